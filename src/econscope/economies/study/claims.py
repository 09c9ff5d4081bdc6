"""Indicator functions a claim names: they recompute a figure from Observations.

Every input is an :class:`~econscope.economies.observations.Observation` carrying the
interval its printed digits allow; a function evaluates its formula at the point and at
every corner of those intervals (:func:`~econscope.economies.observations.evaluate`) and
returns an :class:`Outcome`. Each pair of observations a function combines is checked
with :func:`~econscope.economies.observations.compatibility`; the reasons travel in the
outcome, and the verdict's concept and vintage parts are read from them (:mod:`.verdicts`).
Units are checked once (:func:`one_unit`); currencies are converted once, through
:meth:`ExchangeRates.convert <econscope.economies.currency.ExchangeRates.convert>`.

>>> a = Observation.printed("VNM-FDI", "balance", "2022", 11.73e9, "USD", raw="11.73")
>>> b = Observation.printed("VNM-DOM", "balance", "2022", -9.20e9, "USD", raw="9.20")
>>> out = FUNCTIONS["sum"]({"parts": ["fdi", "domestic"]}, Env({"fdi": a, "domestic": b}))
>>> round(out.value / 1e9, 2), round(out.low / 1e9, 3), round(out.high / 1e9, 3)
(2.53, 2.52, 2.54)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from econscope.economies.currency import Converted, ExchangeRates, Rate, implied_rate
from econscope.economies.indicators import average_growth, decompose_growth, trade_balance
from econscope.economies.observations import Mismatch, Observation, Op, compatibility, evaluate
from econscope.economies.units import format_quantity, is_currency
from econscope.errors import ConfigError, IncompatibleObservationsError

__all__ = [
    "FUNCTIONS",
    "Env",
    "FxUse",
    "Missing",
    "MissingInput",
    "Outcome",
    "format_value",
    "mean_growth",
    "one_unit",
    "window_check",
]

_EPS = 1e-9


class MissingInput(LookupError):
    """An input the computation needs is not available (e.g. real data not supplied)."""

    def __init__(self, name: str, what: str, concept: str = "") -> None:
        self.name = name
        self.what = what
        self.concept = concept
        super().__init__(f"input {name!r} is missing: {what}")


@dataclass(frozen=True)
class Missing:
    """An input not available, with what would supply it and, when known from the
    series' metadata, its concept (so the concept check runs without the data)."""

    name: str
    what: str
    concept: str = ""
    entity: str = ""
    period: str = ""
    label: str = ""


Item = Observation | tuple[Observation, ...] | Missing


@dataclass(frozen=True)
class Env:
    """The inputs of one claim by name: an Observation, a series, or a missing marker."""

    values: Mapping[str, Item]

    def one(self, name: str) -> Observation:
        item = self._get(name)
        if isinstance(item, tuple):
            raise ConfigError(f"input {name!r} is a series where one figure is needed")
        return item

    def many(self, name: str | Sequence[str]) -> tuple[Observation, ...]:
        if not isinstance(name, str):
            return tuple(self.one(n) for n in name)
        item = self._get(name)
        return item if isinstance(item, tuple) else (item,)

    def has(self, name: str) -> bool:
        return name in self.values and not isinstance(self.values[name], Missing)

    def _get(self, name: str) -> Observation | tuple[Observation, ...]:
        if name not in self.values:
            raise ConfigError(
                f"the computation names input {name!r}, which the claim does not declare. "
                "Hint: add it under the claim's inputs"
            )
        item = self.values[name]
        if isinstance(item, Missing):
            raise MissingInput(item.name, item.what, item.concept)
        return item

    def observations(self) -> list[Observation]:
        out: list[Observation] = []
        for item in self.values.values():
            if isinstance(item, Observation):
                out.append(item)
            elif isinstance(item, tuple):
                out.extend(item)
        return out


@dataclass(frozen=True)
class FxUse:
    """A figure printed (or converted) in two currencies: the rate it implies or uses,
    ``local`` per ``base``, for ``period``."""

    pair: str
    period: str
    rate: float
    how: str
    label: str = ""


@dataclass(frozen=True)
class Outcome:
    """What a computation gives: the point value, its interval, its unit, a text for
    the ledger; comparisons give 1.0 (holds) or 0.0 with ``boolean`` set.

    ``pairs`` are the (left, right, op, reasons) a function combined; ``windows`` lists
    (window, holds, text) of a comparison tested on other windows; ``stated_window`` the
    window the claim names; ``fx`` the exchange rates used or implied; ``convert``
    names the amount that a conversion claim sets against the stated figure.
    """

    value: float
    low: float
    high: float
    unit: str
    text: str
    boolean: bool = False
    windows: tuple[tuple[str, bool, str], ...] = ()
    stated_window: str = ""
    pairs: tuple[tuple[Observation, Observation, Op, tuple[Mismatch, ...]], ...] = ()
    fx: tuple[FxUse, ...] = ()
    convert: Observation | None = None

    @property
    def holds(self) -> bool:
        return self.boolean and self.value > 0.5


# --------------------------------------------------------------------------- formatting
def format_value(value: float, unit: str, digits: int = 5) -> str:
    """A readable figure with its unit, percent as "%", comparisons as true/false, and
    the sign of money in front.

    >>> format_value(2.53e9, "USD"), format_value(-9.2e9, "USD"), format_value(74.037, "percent")
    ('US$2.53 bn', '-US$9.2 bn', '74.04%')
    >>> format_value(592.1e9, "CNY"), format_value(6.684, "CNY/USD")
    ('RMB 592.1 bn', '6.684 CNY/USD')
    """
    if unit == "bool":
        return "true" if value > 0.5 else "false"
    if unit == "percent":
        return f"{value:.2f}%"
    if unit in {"years", "count", "rank"}:
        return f"{value:g} {unit}"
    if value < 0 and is_currency(unit):
        return "-" + format_quantity(-value, unit, digits)
    return format_quantity(value, unit, digits)


# --------------------------------------------------------------------------- checks
def one_unit(observations: Iterable[Observation | str], what: str) -> str:
    """The one unit ``observations`` (or unit names) share; raises
    :class:`~econscope.errors.IncompatibleObservationsError` naming both when they do not.

    >>> one_unit(["USD", "USD"], "sum")
    'USD'
    """
    units = list(dict.fromkeys(o.unit if isinstance(o, Observation) else o for o in observations))
    if len(units) != 1:
        raise IncompatibleObservationsError(
            f"{what} needs figures in one unit, got {units}. Hint: convert one side first "
            "(fn: convert with a rate input, or a nested ratio with a rate) or compare ratios"
        )
    return units[0]


def _pairs(
    items: Sequence[Observation], op: Op
) -> tuple[tuple[Observation, Observation, Op, tuple[Mismatch, ...]], ...]:
    """Each item checked against the first (the items a function adds or compares)."""
    return tuple((items[0], o, op, compatibility(items[0], o, op)) for o in items[1:])


def _pair(
    a: Observation, b: Observation, op: Op
) -> tuple[Observation, Observation, Op, tuple[Mismatch, ...]]:
    return a, b, op, compatibility(a, b, op)


# --------------------------------------------------------------------------- functions
FunctionImpl = Callable[[Mapping[str, Any], Env], Outcome]


def _sum(args: Mapping[str, Any], env: Env) -> Outcome:
    """Sum of parts (e.g. a balance = the sectors' balances)."""
    parts = env.many(args["parts"])
    unit = one_unit(parts, "sum")
    v, lo, hi = evaluate(math.fsum, parts)
    text = " + ".join(format_value(p.value, unit) for p in parts) + f" = {format_value(v, unit)}"
    return Outcome(v, lo, hi, unit, text.replace("+ -", "- "), pairs=_pairs(parts, "+"))


def _difference(args: Mapping[str, Any], env: Env) -> Outcome:
    a, b = env.one(args["a"]), env.one(args["b"])
    unit = one_unit((a, b), "difference")
    v, lo, hi = evaluate(lambda xs: xs[0] - xs[1], (a, b))
    text = (
        f"{format_value(a.value, unit)} - {format_value(b.value, unit)} = {format_value(v, unit)}"
    )
    return Outcome(v, lo, hi, unit, text, pairs=(_pair(a, b, "-"),))


def _share(args: Mapping[str, Any], env: Env) -> Outcome:
    """Share of a part in a total, percent."""
    part, total = env.one(args["part"]), env.one(args["total"])
    unit = one_unit((part, total), "share")
    v, lo, hi = evaluate(lambda xs: 100.0 * xs[0] / xs[1], (part, total))
    text = f"{format_value(part.value, unit)} / {format_value(total.value, unit)} = {v:.2f}%"
    return Outcome(v, lo, hi, "percent", text, pairs=(_pair(part, total, "/"),))


def _growth_from_parts(args: Mapping[str, Any], env: Env) -> Outcome:
    """A total's growth from its parts' levels and growth rates (percent): last year's
    level of each part is level / (1 + g); the total's growth is the sum of levels over
    the sum of last year's levels, minus one (the share-weighted growth of the parts)."""
    levels, growths = env.many(args["levels"]), env.many(args["growths"])
    if len(levels) != len(growths):
        raise ConfigError("growth_from_parts needs one growth rate per level")
    unit = one_unit(levels, "growth_from_parts")
    one_unit(growths, "growth_from_parts")
    n = len(levels)

    def point(xs: Sequence[float]) -> float:
        keys = [str(i) for i in range(n)]
        current = dict(zip(keys, xs[:n], strict=True))
        rates = {k: g / 100.0 for k, g in zip(keys, xs[n:], strict=True)}
        return 100.0 * decompose_growth(current, rates).total_growth

    v, lo, hi = evaluate(point, (*levels, *growths))
    before = [x.value / (1 + g.value / 100) for x, g in zip(levels, growths, strict=True)]
    text = (
        "year-earlier levels "
        + " + ".join(format_value(b, unit) for b in before)
        + f"; total growth {format_value(math.fsum(x.value for x in levels), unit)} / "
        f"{format_value(math.fsum(before), unit)} - 1 = {v:.2f}%"
    )
    return Outcome(v, lo, hi, "percent", text, pairs=_pairs(levels, "+") + _pairs(growths, "+"))


def _rate_sides(rate: Observation, a: str, b: str) -> tuple[str, str]:
    """(local, base) from a rate's unit ``LOCAL/USD`` when it links currencies a and b."""
    local, _, per = rate.unit.partition("/")
    if {local, per} != {a, b} or local == per:
        want = f"{a}/{b}" if b == "USD" else f"{b}/{a}"
        raise IncompatibleObservationsError(
            f"exchange rate {rate.label or 'rate'} is in {rate.unit or 'no unit'}, but "
            f"{a} and {b} need a {want} rate. Hint: give a rate in {want} "
            "(local currency per US$)"
        )
    return local, per


def _converted(amount: float, currency: str, rate: Observation, at: float, to: str) -> Converted:
    """``amount`` of ``currency`` in ``to`` at ``at`` (currency per ``to``), through the
    one conversion of :class:`ExchangeRates`, so the basis is printed with the figure."""
    period = rate.period or "unknown"
    table = ExchangeRates([Rate(to, currency, "period_average", period, at, rate.label)])
    return table.convert(amount, currency, to, basis="period_average", period=period)


def _ratio_parts(
    num: Observation, den: Observation, rate: Observation | None
) -> tuple[
    Callable[[Sequence[float]], tuple[float, float]],
    str,
    tuple[Observation, ...],
    tuple[FxUse, ...],
]:
    """(num, den) in one currency as a function of the leaves (num, den[, rate])."""
    if num.unit == den.unit:
        text = f"{format_value(num.value, num.unit)} / {format_value(den.value, den.unit)}"
        return (lambda xs: (xs[0], xs[1])), text, (num, den), ()
    if not (is_currency(num.unit) and is_currency(den.unit)):
        one_unit((num, den), "a ratio")
    if rate is None:
        raise ConfigError(
            f"a ratio of {num.unit} to {den.unit} needs an exchange rate. "
            "Hint: add a rate input (local currency per US$)"
        )
    local, base = _rate_sides(rate, num.unit, den.unit)
    use = (FxUse(rate.unit, rate.period, rate.value, "used", rate.label),)
    if num.unit == local:
        conv = _converted(num.value, local, rate, rate.value, base)
        text = f"{conv} / {format_value(den.value, den.unit)}"
        return (lambda xs: (xs[0] / xs[2], xs[1])), text, (num, den, rate), use
    conv = _converted(den.value, local, rate, rate.value, base)
    text = f"{format_value(num.value, num.unit)} / {conv}"
    return (lambda xs: (xs[0], xs[1] / xs[2])), text, (num, den, rate), use


def _ratio(args: Mapping[str, Any], env: Env) -> Outcome:
    """num / den (x100 with ``percent``); with two currencies and a ``rate`` input
    (``LOCAL/USD``), the side in local currency is converted first."""
    num, den = env.one(args["num"]), env.one(args["den"])
    rate = env.one(args.get("rate", "rate")) if env.has(args.get("rate", "rate")) else None
    factor = 100.0 if args.get("percent") else 1.0
    both, text, leaves, fx = _ratio_parts(num, den, rate)

    def point(xs: Sequence[float]) -> float:
        a, b = both(xs)
        return factor * a / b

    v, lo, hi = evaluate(point, leaves)
    unit = "percent" if args.get("percent") else "ratio"
    return Outcome(
        v, lo, hi, unit, f"{text} = {format_value(v, unit)}", pairs=(_pair(num, den, "/"),), fx=fx
    )


def _implied_total(args: Mapping[str, Any], env: Env) -> Outcome:
    """The total that parts and their printed shares imply: sum(parts) / sum(shares)."""
    amounts, shares = env.many(args["amounts"]), env.many(args["shares"])
    if len(amounts) != len(shares):
        raise ConfigError("implied_total needs one share per amount")
    unit = one_unit(amounts, "implied_total")
    n = len(amounts)
    v, lo, hi = evaluate(
        lambda xs: math.fsum(xs[:n]) / (math.fsum(xs[n:]) / 100.0), (*amounts, *shares)
    )
    each = ", ".join(
        f"{a.label}: {format_value(a.value / (s.value / 100), unit)}"
        for a, s in zip(amounts, shares, strict=True)
    )
    return Outcome(
        v,
        lo,
        hi,
        unit,
        f"implied total {format_value(v, unit)} (each alone: {each})",
        pairs=_pairs(amounts, "+"),
    )


def _balance_from_total(args: Mapping[str, Any], env: Env) -> Outcome:
    """The balance exports and total trade imply: X - (T - X) = 2X - T."""
    x, total = env.one(args["exports"]), env.one(args["total"])
    unit = one_unit((x, total), "balance_from_total")
    v, lo, hi = evaluate(lambda xs: 2 * xs[0] - xs[1], (x, total))
    text = (
        f"imports {format_value(total.value - x.value, unit)} = {format_value(total.value, unit)}"
        f" - {format_value(x.value, unit)}; balance {format_value(v, unit)}"
    )
    return Outcome(v, lo, hi, unit, text)


def _implied_level(args: Mapping[str, Any], env: Env) -> Outcome:
    """The earlier level a level and its growth imply: level / (1 + g)."""
    level, growth = env.one(args["level"]), env.one(args["growth"])
    v, lo, hi = evaluate(lambda xs: xs[0] / (1 + xs[1] / 100.0), (level, growth))
    shown = format_value(level.value, level.unit)
    text = f"{shown} / (1 + {growth.value:g}%) = {format_value(v, level.unit)}"
    return Outcome(v, lo, hi, level.unit, text)


def _convert(args: Mapping[str, Any], env: Env) -> Outcome:
    """An amount in local currency converted to US$ at a period-average rate; the
    stated figure's own conversion rate (implied) is judged by the fx part."""
    amount, rate = env.one(args["amount"]), env.one(args["rate"])
    local, base = _rate_sides(rate, amount.unit, "USD")
    v, lo, hi = evaluate(lambda xs: xs[0] / xs[1], (amount, rate))
    text = str(_converted(amount.value, local, rate, rate.value, base))
    use = FxUse(rate.unit, rate.period, rate.value, "used", rate.label)
    return Outcome(v, lo, hi, "USD", text, fx=(use,), convert=amount)


def _implied_rate(args: Mapping[str, Any], env: Env) -> Outcome:
    local, usd = env.one(args["local"]), env.one(args["usd"])
    v, lo, hi = evaluate(lambda xs: implied_rate(xs[1], xs[0]), (local, usd))
    unit = f"{local.unit}/{usd.unit}"
    fx = FxUse(unit, usd.period, v, "implied", f"{local.label} / {usd.label}")
    return Outcome(v, lo, hi, unit, f"implied rate {format_value(v, unit)}", fx=(fx,))


def mean_growth(rates: Sequence[float], how: str = "arithmetic") -> float:
    """Mean of growth rates in percent (the core's ``average_growth``: ``arithmetic``,
    or ``geometric`` = compound annual growth).

    >>> round(mean_growth([6.7, 6.9, 6.6, 6.0, 2.2, 8.1]), 4)
    6.0833
    >>> round(mean_growth([10.0, 10.0], "geometric"), 6)
    10.0
    """
    return 100.0 * average_growth([r / 100.0 for r in rates], how).value  # type: ignore[arg-type]


def _span(values: Sequence[Observation]) -> str:
    years = [int(v.period[:4]) for v in values if v.period[:4].isdigit()]
    return f"{min(years)}-{max(years)}" if years else f"{len(values)} values"


def _mean_growth(args: Mapping[str, Any], env: Env) -> Outcome:
    rates = env.many(args["rates"])
    one_unit(rates, "mean_growth")
    how = str(args.get("how", "arithmetic"))
    v, lo, hi = evaluate(lambda xs: mean_growth(xs, how), rates)
    word = "compound annual growth" if how == "geometric" else "arithmetic mean"
    return Outcome(
        v, lo, hi, "percent", f"{word} {v:.2f}% ({_span(rates)})", pairs=_pairs(rates, "+")
    )


def _level(args: Mapping[str, Any], env: Env) -> Outcome:
    """One figure as printed; with ``against``, set beside a series of the concept the
    argument needs (the pair carries the concept check)."""
    x = env.one(args["value"])
    pairs: tuple[tuple[Observation, Observation, Op, tuple[Mismatch, ...]], ...] = ()
    text = f"{format_value(x.value, x.unit)} ({x.label})"
    other_name = args.get("against")
    if other_name is not None:
        item = env.values.get(other_name)
        if isinstance(item, Observation):
            pairs = (_pair(x, item, "/"),)
            text += (
                f"; against {format_value(item.value, item.unit)} ({item.label}, {item.concept}): "
                f"ratio {x.value / item.value:.2f}"
            )
        elif isinstance(item, Missing):
            ghost = Observation(
                item.entity or x.entity,
                other_name,
                item.period or x.period,
                math.nan,
                x.unit,
                concept=item.concept,
                label=item.label,
            )
            pairs = (_pair(x, ghost, "/"),)
            text += f"; against {item.label or other_name} ({item.concept}): not given"
    return Outcome(x.value, float(x.low), float(x.high), x.unit, text, pairs=pairs)  # type: ignore[arg-type]


def _level_change(args: Mapping[str, Any], env: Env) -> Outcome:
    """after / before - 1, percent."""
    a, b = env.one(args["before"]), env.one(args["after"])
    unit = one_unit((a, b), "level_change")
    v, lo, hi = evaluate(lambda xs: 100.0 * (xs[1] / xs[0] - 1), (a, b))
    text = (
        f"{format_value(b.value, unit)} ({b.period}) / {format_value(a.value, unit)} "
        f"({a.period}) - 1 = {v:.1f}%"
    )
    return Outcome(v, lo, hi, "percent", text, pairs=(_pair(a, b, "/"),))


_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "==": lambda a, b: a == b,
}


def _operand(
    spec: Any, env: Env
) -> tuple[
    tuple[Observation, ...],
    Callable[[Sequence[float]], float],
    str,
    str,
    tuple[Any, ...],
    tuple[FxUse, ...],
]:
    """An operand of a comparison: an input, a list of inputs (summed), or a nested
    computation (mean_growth, ratio, difference). Returns its leaves, a function of
    them, a label, its unit, the pairs combined and the rates used."""
    if isinstance(spec, Mapping):
        fn = spec["fn"]
        if fn == "mean_growth":
            rates = env.many(spec["rates"])
            unit = one_unit(rates, "mean_growth")
            how = str(spec.get("how", "arithmetic"))
            return (
                rates,
                (lambda xs: mean_growth(xs, how)),
                f"mean of {_span(rates)}",
                unit,
                _pairs(rates, "+"),
                (),
            )
        if fn == "ratio":
            num, den = env.one(spec["num"]), env.one(spec["den"])
            rate = env.one(spec["rate"]) if "rate" in spec else None
            factor = 100.0 if spec.get("percent") else 1.0
            both, _, leaves, fx = _ratio_parts(num, den, rate)

            def point(xs: Sequence[float]) -> float:
                a, b = both(xs)
                return factor * a / b

            unit = "percent" if spec.get("percent") else "ratio"
            return leaves, point, f"{num.label} / {den.label}", unit, (_pair(num, den, "/"),), fx
        if fn == "difference":
            a, b = env.one(spec["a"]), env.one(spec["b"])
            unit = one_unit((a, b), "difference")
            return (
                (a, b),
                (lambda xs: xs[0] - xs[1]),
                f"{a.label} - {b.label}",
                unit,
                (_pair(a, b, "-"),),
                (),
            )
        raise ConfigError(f"compare cannot nest {fn!r}. Hint: use mean_growth, ratio or difference")
    values = env.many(spec)
    unit = one_unit(values, "compare")
    return values, math.fsum, " + ".join(v.label for v in values), unit, _pairs(values, "+"), ()


def _compare(args: Mapping[str, Any], env: Env) -> Outcome:
    """left op right, for inputs, sums of inputs or nested computations, in one unit."""
    op = _OPS[args["op"]]
    lv, lf, _, lu, lp, lfx = _operand(args["left"], env)
    rv, rf, _, ru, rp, rfx = _operand(args["right"], env)
    unit = one_unit((lu, ru), "compare")
    n = len(lv)
    v, lo, hi = evaluate(lambda xs: 1.0 if op(lf(xs[:n]), rf(xs[n:])) else 0.0, (*lv, *rv))
    left, right = lf([x.value for x in lv]), rf([x.value for x in rv])
    shown = f"{format_value(left, unit)} {args['op']} {format_value(right, unit)}"
    text = f"{'true' if v else 'false'}: {shown}"
    return Outcome(v, lo, hi, "bool", text, boolean=True, pairs=lp + rp, fx=lfx + rfx)


def window_check(
    years: Sequence[int],
    chosen: tuple[int, int],
    min_years: int,
    test: Callable[[int, int], tuple[bool, str]],
) -> tuple[tuple[str, bool, str], ...]:
    """``test`` on every contiguous window of at least ``min_years`` inside ``years``,
    other than ``chosen``; returns (label, holds, text) for each.

    >>> window_check([2016, 2017, 2018], (2016, 2018), 2, lambda a, b: (a > 2016, ""))
    (('2016-2017', False, ''), ('2017-2018', True, ''))
    """
    ys = sorted(set(years))
    out = []
    for i, a in enumerate(ys):
        for b in ys[i + min_years - 1 :]:
            if (a, b) == chosen or b - a + 1 != len([y for y in ys if a <= y <= b]):
                continue
            holds, text = test(a, b)
            out.append((f"{a}-{b}", holds, text))
    return tuple(out)


def _window(text: str) -> tuple[int, int]:
    first, _, last = str(text).partition("..")
    return int(first), int(last or first)


def _by_year(values: Sequence[Observation]) -> dict[int, Observation]:
    return {int(v.period[:4]): v for v in values}


def _compare_mean_growth(args: Mapping[str, Any], env: Env) -> Outcome:
    """Arithmetic mean growth of ``left`` op that of ``right`` over ``window``, and the
    same test on every other window of at least ``min_years``."""
    op = _OPS[args["op"]]
    lvals, rvals = env.many(args["left"]), env.many(args["right"])
    one_unit(
        (one_unit(lvals, "compare_mean_growth"), one_unit(rvals, "compare_mean_growth")),
        "compare_mean_growth",
    )
    left, right = _by_year(lvals), _by_year(rvals)
    a, b = _window(args["window"])
    missing = [y for y in range(a, b + 1) if y not in left or y not in right]
    if missing:
        raise MissingInput(str(missing), f"growth rates for {missing}")
    names = (left[a].entity or "left", right[a].entity or "right")

    def test(first: int, last: int) -> tuple[bool, str]:
        ys = range(first, last + 1)
        lm = mean_growth([left[y].value for y in ys])
        rm = mean_growth([right[y].value for y in ys])
        return op(lm, rm), f"{names[0]} {lm:.2f}% vs {names[1]} {rm:.2f}%"

    ys = list(range(a, b + 1))
    lv, rv = [left[y] for y in ys], [right[y] for y in ys]
    n = len(lv)
    v, lo, hi = evaluate(
        lambda xs: 1.0 if op(mean_growth(xs[:n]), mean_growth(xs[n:])) else 0.0, (*lv, *rv)
    )
    holds, text = test(a, b)
    lc = mean_growth([x.value for x in lv], "geometric")
    rc = mean_growth([x.value for x in rv], "geometric")
    text = (
        f"{'true' if holds else 'false'} for {a}-{b}: {text} (arithmetic means; "
        f"compound {lc:.2f}% vs {rc:.2f}%)"
    )
    common = sorted(set(left) & set(right))
    windows = ()
    if "min_years" in args:
        windows = window_check(common, (a, b), int(args["min_years"]), test)
    return Outcome(
        v,
        lo,
        hi,
        "bool",
        text,
        boolean=True,
        windows=windows,
        stated_window=f"{a}-{b}",
        pairs=_pairs(lv, "+") + _pairs(rv, "+"),
    )


def _all_compare(args: Mapping[str, Any], env: Env) -> Outcome:
    """Every value op the reference (e.g. every other city's wage < Hanoi's); the
    reference may be a plain number in the values' unit (``reference: 0``)."""
    op = _OPS[args["op"]]
    values = env.many(args["values"])
    if isinstance(args["reference"], int | float):
        first = values[0]
        ref = Observation(
            "",
            "threshold",
            "",
            float(args["reference"]),
            first.unit,
            concept=first.concept,
            label="threshold",
        )
    else:
        ref = env.one(args["reference"])
    one_unit((one_unit(values, "all_compare"), ref.unit), "all_compare")
    n = len(values)
    v, lo, hi = evaluate(
        lambda xs: 1.0 if all(op(x, xs[n]) for x in xs[:n]) else 0.0, (*values, ref)
    )
    parts = ", ".join(
        f"{x.entity} {x.period} {format_value(x.value, x.unit)}"
        + ("" if op(x.value, ref.value) else " (no)")
        for x in values
    )
    where = f"{ref.entity} {ref.period} " if ref.entity else ""
    shown = f"{args['op']} {where}{format_value(ref.value, ref.unit)}"
    text = f"{'true' if v else 'false'}: {parts} {shown}"
    return Outcome(
        v, lo, hi, "bool", text, boolean=True, pairs=tuple(_pair(ref, x, "-") for x in values)
    )


def _range_check(args: Mapping[str, Any], env: Env) -> Outcome:
    """Every annual rate inside [low, high] (each widened by its printed rounding) over
    ``window``, and on every other window of at least ``min_years``."""
    series = env.many(args["rates"])
    low, high = env.one(args["low"]), env.one(args["high"])
    one_unit((one_unit(series, "range_check"), one_unit((low, high), "range_check")), "range_check")
    rates = _by_year(series)
    a, b = _window(args["window"])

    def test(first: int, last: int) -> tuple[bool, str]:
        out = [
            f"{y}: {rates[y].value:.2f}%"
            for y in range(first, last + 1)
            if not (float(low.low) - _EPS <= rates[y].value <= float(high.high) + _EPS)  # type: ignore[arg-type]
        ]
        return not out, ("outside: " + ", ".join(out)) if out else "all inside"

    if any(y not in rates for y in range(a, b + 1)):
        raise MissingInput("rates", f"annual rates for {a}-{b}")
    holds, text = test(a, b)
    windows = ()
    if "min_years" in args:
        windows = window_check(sorted(rates), (a, b), int(args["min_years"]), test)
    flag = 1.0 if holds else 0.0
    return Outcome(
        flag,
        flag,
        flag,
        "bool",
        f"{'true' if holds else 'false'} for {a}-{b} ({low.value:g}-{high.value:g}%): {text}",
        boolean=True,
        windows=windows,
        stated_window=f"{a}-{b}",
    )


def _balance_every_year(args: Mapping[str, Any], env: Env) -> Outcome:
    """The trade balance X - M of every year of two annual series, op 0 in each year."""
    op = _OPS[args.get("op", ">")]
    exports, imports = _by_year(env.many(args["exports"])), _by_year(env.many(args["imports"]))
    years = sorted(set(exports) & set(imports))
    if not years:
        raise MissingInput("exports", "exports and imports for the same years")
    balances = {y: trade_balance(exports[y].value, imports[y].value) for y in years}
    holds = all(op(b, 0.0) for b in balances.values())
    unit = exports[years[0]].unit
    text = f"{'true' if holds else 'false'}: " + ", ".join(
        f"{y} {format_value(b, unit)}" for y, b in balances.items()
    )
    flag = 1.0 if holds else 0.0
    # exports and imports are two concepts by design: a balance sets one against the other
    return Outcome(flag, flag, flag, "bool", text, boolean=True)


def _versions(args: Mapping[str, Any], env: Env) -> Outcome:
    """Two releases of one figure, each as (US$, local currency, growth): the rate each
    conversion implies, and the two releases side by side."""
    first, second = env.many(args["first"]), env.many(args["second"])
    texts, fx = [], []
    for tag, (usd, local, growth) in (("first", first), ("second", second)):
        rate = implied_rate(usd.value, local.value)
        unit = f"{local.unit}/{usd.unit}"
        fx.append(FxUse(unit, usd.period, rate, "implied", f"{local.label} / {usd.label}"))
        texts.append(
            f"{tag}: {format_value(usd.value, usd.unit)} = {format_value(local.value, local.unit)}"
            f" (+{growth.value:g}%), implied {rate:.3f} {unit}"
        )
    r1, r2 = fx[0].rate, fx[1].rate
    text = "; ".join(texts) + f"; the implied rates differ by {100 * (r1 / r2 - 1):.1f}%"
    usd = second[0]
    pairs = (
        _pair(first[0], second[0], "-"),
        _pair(first[1], second[1], "-"),
        _pair(first[2], second[2], "-"),
    )
    return Outcome(
        usd.value, float(usd.low), float(usd.high), usd.unit, text, pairs=pairs, fx=tuple(fx)
    )  # type: ignore[arg-type]


def _ratio_change(args: Mapping[str, Any], env: Env) -> Outcome:
    """What a growth of x and a ratio moving from ``before`` to ``after`` imply for the
    comparator's growth: (1 + g) * before / after - 1, over the printed ranges."""
    g = env.one(args["growth"])
    before, after = env.many(args["before"]), env.many(args["after"])
    factor = 1 + g.value / 100
    lo = 100 * (factor * min(b.value for b in before) / max(a.value for a in after) - 1)
    hi = 100 * (factor * max(b.value for b in before) / min(a.value for a in after) - 1)
    text = (
        f"with wages x{factor:g} and the ratio from {before[0].value:g}-{before[-1].value:g}% "
        f"to {after[0].value:g}-{after[-1].value:g}%, the comparators' wages rose "
        f"{lo:.0f}% to {hi:.0f}%"
    )
    return Outcome(g.value, float(g.low), float(g.high), g.unit, text)  # type: ignore[arg-type]


def _none(args: Mapping[str, Any], env: Env) -> Outcome:
    raise MissingInput(
        "figures", "the claim rests on a chart or a statement; no figures are printed"
    )


#: Indicator functions a study may name (``compute: {fn: ...}``).
FUNCTIONS: dict[str, FunctionImpl] = {
    "sum": _sum,
    "difference": _difference,
    "share": _share,
    "growth_from_parts": _growth_from_parts,
    "ratio": _ratio,
    "implied_total": _implied_total,
    "implied_level": _implied_level,
    "balance_from_total": _balance_from_total,
    "implied_rate": _implied_rate,
    "convert": _convert,
    "mean_growth": _mean_growth,
    "level": _level,
    "level_change": _level_change,
    "compare": _compare,
    "compare_mean_growth": _compare_mean_growth,
    "all_compare": _all_compare,
    "range_check": _range_check,
    "versions": _versions,
    "balance_every_year": _balance_every_year,
    "ratio_change": _ratio_change,
    "none": _none,
}
