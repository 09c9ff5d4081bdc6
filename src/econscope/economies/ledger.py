"""The claims ledger: recompute a publication's figures and judge each claim.

A claim combines printed inputs with an indicator function and sets the result against
the figure the publication states. Every printed input is rounded, so each carries the
interval its printed digits allow (``9.20`` means 9.195 to 9.205); the function is
evaluated at the point and at every corner of those intervals. The verdict follows:

- ``consistent``: the point result rounds to the stated figure;
- ``consistent_within_rounding``: it does not, but some inputs inside their rounding
  intervals give it;
- ``inconsistent``: no inputs inside their intervals give it;
- ``mixes_vintages``: the inputs include one series (entity, indicator, concept, unit)
  from two releases, so the arithmetic joins two vintages;
- ``different_concepts``: an input is not the concept the claim's argument needs (gross
  revenue read as value added; registered FDI read as the balance-of-payments inflow);
- ``window_dependent``: a comparison over a window of years flips on other windows;
- ``not_checkable``: the inputs given cannot check the claim (the note says what would).

This module is pure: numbers in, outcomes out; :mod:`econscope.economies.study` reads
the specification and the data and writes the ledger.

>>> a = Value.printed(11.73e9, "11.73", "USD", label="fdi")
>>> b = Value.printed(-9.20e9, "9.20", "USD", label="domestic")
>>> out = FUNCTIONS["sum"]({"parts": ["fdi", "domestic"]}, Env({"fdi": a, "domestic": b}))
>>> round(out.value / 1e9, 2)
2.53
>>> arithmetic_verdict(out, Value.printed(2.53e9, "25.3", "USD"))
'consistent'
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from econscope.economies.currency import Converted, ExchangeRates, Rate, implied_rate
from econscope.economies.indicators import average_growth, decompose_growth, trade_balance
from econscope.economies.units import format_quantity, is_currency
from econscope.errors import ConfigError, IncompatibleObservationsError

__all__ = [
    "FUNCTIONS",
    "VERDICTS",
    "Env",
    "MissingInput",
    "Outcome",
    "Value",
    "Verdict",
    "arithmetic_verdict",
    "decide",
    "format_value",
    "half_unit",
    "mixed_vintages",
    "window_check",
]

Verdict = Literal[
    "consistent",
    "consistent_within_rounding",
    "inconsistent",
    "mixes_vintages",
    "different_concepts",
    "window_dependent",
    "not_checkable",
]
#: The verdicts, in the order the report lists them.
VERDICTS: tuple[Verdict, ...] = (
    "consistent",
    "consistent_within_rounding",
    "inconsistent",
    "mixes_vintages",
    "different_concepts",
    "window_dependent",
    "not_checkable",
)

_NUMBER = re.compile(r"-?\d[\d,]*(?:\.(\d+))?")
_EPS = 1e-9
#: Corner evaluation is exact for functions monotone in each input; past this many
#: scalar inputs (2**n evaluations) only the point is evaluated.
_MAX_CORNER_INPUTS = 12


def half_unit(value: float, raw: str) -> float:
    """Half a unit of the last digit printed in ``raw``, in the units of ``value``.

    The printed number may be scaled ("1223.6 Billion dollars" for 122.36e9): the scale
    is value / printed number. Fractions ("1/3") and text without a number count as
    exact (0).

    >>> half_unit(122.36e9, "1223.6 Billion dollars") / 1e9
    0.005
    >>> half_unit(74.0, "74%"), half_unit(33.3, "1/3")
    (0.5, 0.0)
    """
    if re.search(r"\d\s*/\s*\d", raw):
        return 0.0
    match = _NUMBER.search(raw)
    if match is None:
        return 0.0
    printed = float(match.group(0).replace(",", ""))
    decimals = len(match.group(1) or "")
    # a printed zero has no scale to read: its digits are taken in the value's units
    scale = abs(value / printed) if printed != 0 else 1.0
    return 0.5 * 10.0**-decimals * scale


@dataclass(frozen=True)
class Value:
    """A figure with the interval its printed digits allow, its unit and its meaning.

    ``value`` is in base units (``USD``, ``CNY``, ``percent``, ``persons``...); ``low``
    and ``high`` bound what the printed digits allow; ``label`` names where it came from
    (a fact id or a data query).
    """

    value: float
    low: float
    high: float
    unit: str
    label: str = ""
    entity: str = ""
    indicator: str = ""
    period: str = ""
    concept: str = ""
    vintage: str = ""
    source: str = ""

    @classmethod
    def printed(cls, value: float, raw: str, unit: str, **meaning: str) -> Value:
        """A value read from a printed phrase: its interval is half a printed unit wide."""
        h = half_unit(value, raw)
        return cls(float(value), float(value) - h, float(value) + h, unit, **meaning)

    @classmethod
    def exact(cls, value: float, unit: str, **meaning: str) -> Value:
        """A value with no rounding interval (a data series, a definition)."""
        return cls(float(value), float(value), float(value), unit, **meaning)

    @property
    def tolerance(self) -> float:
        """Half the width of the rounding interval."""
        return (self.high - self.low) / 2.0


class MissingInput(LookupError):
    """An input the computation needs is not available (e.g. real data not supplied)."""

    def __init__(self, name: str, what: str) -> None:
        self.name = name
        self.what = what
        super().__init__(f"input {name!r} is missing: {what}")


@dataclass(frozen=True)
class Env:
    """The inputs of one claim by name: a Value, a list of Values, or a missing marker."""

    values: Mapping[str, Value | tuple[Value, ...] | MissingInput]

    def one(self, name: str) -> Value:
        item = self._get(name)
        if isinstance(item, tuple):
            raise ConfigError(f"input {name!r} is a series where one figure is needed")
        return item

    def many(self, name: str | Sequence[str]) -> tuple[Value, ...]:
        if not isinstance(name, str):
            return tuple(self.one(n) for n in name)
        item = self._get(name)
        return item if isinstance(item, tuple) else (item,)

    def _get(self, name: str) -> Value | tuple[Value, ...]:
        if name not in self.values:
            raise ConfigError(
                f"the computation names input {name!r}, which the claim does not declare. "
                "Hint: add it under the claim's inputs"
            )
        item = self.values[name]
        if isinstance(item, MissingInput):
            raise item
        return item

    def all_values(self) -> list[Value]:
        out: list[Value] = []
        for item in self.values.values():
            if isinstance(item, Value):
                out.append(item)
            elif isinstance(item, tuple):
                out.extend(item)
        return out


@dataclass(frozen=True)
class Outcome:
    """What a computation gives: the point value, its rounding interval, its unit, and a
    text for the ledger. Comparisons give 1.0 (holds) or 0.0 with ``boolean`` set; their
    interval says whether rounding could flip them. ``windows`` lists (window, holds,
    text) for comparisons tested on other windows."""

    value: float
    low: float
    high: float
    unit: str
    text: str
    boolean: bool = False
    windows: tuple[tuple[str, bool, str], ...] = ()
    detail: str = ""

    @property
    def holds(self) -> bool:
        return self.boolean and self.value > 0.5


# --------------------------------------------------------------------------- formatting
def format_value(value: float, unit: str, digits: int = 5) -> str:
    """A readable figure with its unit (the core's ``format_quantity``), percent as "%",
    comparisons as true/false, and the sign of money in front.

    >>> format_value(2.53e9, "USD"), format_value(-9.2e9, "USD"), format_value(74.037, "percent")
    ('US$2.53 bn', '-US$9.2 bn', '74.04%')
    >>> format_value(592.1e9, "CNY"), format_value(6.684, "CNY/USD")
    ('RMB 592.1 bn', '6.684 CNY/USD')
    """
    if unit == "bool":
        return "true" if value > 0.5 else "false"
    if unit == "percent":
        return f"{value:.2f}%"
    if value < 0 and is_currency(unit):
        return "-" + format_quantity(-value, unit, digits)
    return format_quantity(value, unit, digits)


# --------------------------------------------------------------------------- evaluation
FunctionImpl = Callable[[Mapping[str, Any], Env], Outcome]


def _corners(
    values: Sequence[Value], point: Callable[[Sequence[float]], float]
) -> tuple[float, float, float]:
    """(point, low, high) of ``point`` over the rounding intervals of ``values``."""
    centre = point([v.value for v in values])
    if len(values) > _MAX_CORNER_INPUTS:
        return centre, centre, centre
    results = [centre]
    choices = [(v.low, v.high) if v.high > v.low else (v.value,) for v in values]
    for combo in itertools.product(*choices):
        with _quiet_math():
            results.append(point(combo))
    finite = [r for r in results if math.isfinite(r)]
    return centre, min(finite), max(finite)


class _quiet_math:
    """Division by zero at a corner is not an error: the corner is dropped."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return exc[0] is ZeroDivisionError


def _same_unit(values: Iterable[Value], what: str) -> str:
    units = {v.unit for v in values}
    if len(units) != 1:
        raise ConfigError(
            f"{what} needs one unit, got {sorted(units)}. Hint: convert the inputs first"
        )
    return units.pop()


def _sum(args: Mapping[str, Any], env: Env) -> Outcome:
    """Sum of parts (e.g. a balance = the sectors' balances)."""
    parts = env.many(args["parts"])
    unit = _same_unit(parts, "sum")
    v, lo, hi = _corners(parts, lambda xs: math.fsum(xs))
    text = " + ".join(format_value(p.value, unit) for p in parts) + f" = {format_value(v, unit)}"
    return Outcome(v, lo, hi, unit, text.replace("+ -", "- "))


def _difference(args: Mapping[str, Any], env: Env) -> Outcome:
    a, b = env.one(args["a"]), env.one(args["b"])
    unit = _same_unit((a, b), "difference")
    v, lo, hi = _corners((a, b), lambda xs: xs[0] - xs[1])
    return Outcome(
        v, lo, hi, unit, f"{format_value(a.value, unit)} - {format_value(b.value, unit)}"
    )


def _share(args: Mapping[str, Any], env: Env) -> Outcome:
    """Share of a part in a total, percent."""
    part, total = env.one(args["part"]), env.one(args["total"])
    unit = _same_unit((part, total), "share")
    v, lo, hi = _corners((part, total), lambda xs: 100.0 * xs[0] / xs[1])
    text = f"{format_value(part.value, unit)} / {format_value(total.value, unit)} = {v:.2f}%"
    return Outcome(v, lo, hi, "percent", text)


def _growth_from_parts(args: Mapping[str, Any], env: Env) -> Outcome:
    """A total's growth from its parts' levels and growth rates (percent).

    Last year's level of each part is level / (1 + g); the total's growth is
    sum(levels) / sum(last year's levels) - 1, the share-weighted growth of the parts.
    """
    levels, growths = env.many(args["levels"]), env.many(args["growths"])
    if len(levels) != len(growths):
        raise ConfigError("growth_from_parts needs one growth rate per level")
    unit = _same_unit(levels, "growth_from_parts")
    n = len(levels)

    def point(xs: Sequence[float]) -> float:
        keys = [str(i) for i in range(n)]
        current = dict(zip(keys, xs[:n], strict=True))
        rates = {k: g / 100.0 for k, g in zip(keys, xs[n:], strict=True)}
        return 100.0 * decompose_growth(current, rates).total_growth

    v, lo, hi = _corners((*levels, *growths), point)
    before = [x.value / (1 + g.value / 100) for x, g in zip(levels, growths, strict=True)]
    text = (
        "year-earlier levels "
        + " + ".join(format_value(b, unit) for b in before)
        + f"; total growth {format_value(math.fsum(x.value for x in levels), unit)} / "
        f"{format_value(math.fsum(before), unit)} - 1 = {v:.2f}%"
    )
    return Outcome(v, lo, hi, "percent", text)


def _rate_sides(rate: Value, a: str, b: str) -> tuple[str, str]:
    """(local, usd) from a rate's unit ``LOCAL/USD`` when it links currencies ``a`` and ``b``.

    Raises IncompatibleObservationsError naming the rate unit the inputs need.
    """
    local, _, per = rate.unit.partition("/")
    if {local, per} != {a, b} or local == per:
        want = f"{a}/{b}" if b == "USD" else f"{b}/{a}"
        raise IncompatibleObservationsError(
            f"exchange rate {rate.label or 'rate'} is in {rate.unit or 'no unit'}, but "
            f"{a} and {b} need a {want} rate. Hint: give a rate in {want} "
            "(local currency per US$)"
        )
    return local, per


def _convert_side(
    num: Value, den: Value, rate: Value | None, what: str
) -> tuple[Callable[[Sequence[float]], tuple[float, float]], str, tuple[Value, ...]]:
    """How ``num`` and ``den`` are put in one currency: the side in the rate's local
    currency is converted to the other at the rate. Returns a function of the leaf values
    (num, den[, rate]) giving (num, den) in one unit, the printed pair and the leaves."""
    if num.unit == den.unit:
        text = f"{format_value(num.value, num.unit)} / {format_value(den.value, den.unit)}"
        return (lambda xs: (xs[0], xs[1])), text, (num, den)
    if not (is_currency(num.unit) and is_currency(den.unit)):
        raise IncompatibleObservationsError(
            f"{what} of {num.unit} to {den.unit}: the units differ and are not both "
            "currencies. Hint: give both inputs in one unit"
        )
    if rate is None:
        raise ConfigError(
            f"{what} of {num.unit} to {den.unit} needs an exchange rate. "
            "Hint: add a rate input (local currency per US$)"
        )
    local, base = _rate_sides(rate, num.unit, den.unit)
    if num.unit == local:

        def both(xs: Sequence[float]) -> tuple[float, float]:
            return _to_usd(xs[0], local, rate, xs[2], base).value, xs[1]

        text = f"{_to_usd(num.value, local, rate, to=base)} / {format_value(den.value, den.unit)}"
    else:

        def both(xs: Sequence[float]) -> tuple[float, float]:
            return xs[0], _to_usd(xs[1], local, rate, xs[2], base).value

        text = f"{format_value(num.value, num.unit)} / {_to_usd(den.value, local, rate, to=base)}"
    return both, text, (num, den, rate)


def _ratio(args: Mapping[str, Any], env: Env) -> Outcome:
    """num / den (x100 with ``percent``). With inputs in two currencies and a ``rate``
    input (unit ``LOCAL/USD``), the side in local currency is converted to US$ first,
    whichever side it is; a rate in any other unit is refused."""
    num, den = env.one(args["num"]), env.one(args["den"])
    rate = env.one(args["rate"]) if "rate" in args and args["rate"] in env.values else None
    if rate is None and "rate" in env.values and num.unit != den.unit:
        rate = env.one("rate")
    factor = 100.0 if args.get("percent") else 1.0
    both, text, leaves = _convert_side(num, den, rate, "ratio")

    def point(xs: Sequence[float]) -> float:
        a, b = both(xs)
        return factor * a / b

    v, lo, hi = _corners(leaves, point)
    unit = "percent" if args.get("percent") else "ratio"
    return Outcome(v, lo, hi, unit, f"{text} = {format_value(v, unit)}")


def _implied_total(args: Mapping[str, Any], env: Env) -> Outcome:
    """The total that parts and their printed shares imply: sum(parts) / sum(shares).

    Each part alone implies part / share; the pooled figure uses them all.
    """
    amounts, shares = env.many(args["amounts"]), env.many(args["shares"])
    if len(amounts) != len(shares):
        raise ConfigError("implied_total needs one share per amount")
    unit = _same_unit(amounts, "implied_total")
    n = len(amounts)
    v, lo, hi = _corners(
        (*amounts, *shares), lambda xs: math.fsum(xs[:n]) / (math.fsum(xs[n:]) / 100.0)
    )
    each = ", ".join(
        f"{a.label}: {format_value(a.value / (s.value / 100), unit)}"
        for a, s in zip(amounts, shares, strict=True)
    )
    text = f"implied total {format_value(v, unit)} (each alone: {each})"
    return Outcome(v, lo, hi, unit, text)


def _to_usd(
    amount: float,
    currency: str,
    rate: Value,
    rate_value: float | None = None,
    to: str = "USD",
) -> Converted:
    """``amount`` of ``currency`` in US$ (or ``to``) at a period-average rate (currency
    per ``to``), through the core's exchange-rate table, so the basis is printed with the
    figure."""
    period = rate.period or "unknown"
    table = ExchangeRates(
        [
            Rate(
                to,
                currency,
                "period_average",
                period,
                rate.value if rate_value is None else rate_value,
                rate.label,
            )
        ]
    )
    return table.convert(amount, currency, to, basis="period_average", period=period)


def _convert(args: Mapping[str, Any], env: Env) -> Outcome:
    """An amount in local currency converted to US$ at a period-average rate."""
    amount = env.one(args["amount"])
    rate = env.one(args["rate"])
    _rate_sides(rate, amount.unit, "USD")
    v, lo, hi = _corners((amount, rate), lambda xs: _to_usd(xs[0], amount.unit, rate, xs[1]).value)
    return Outcome(v, lo, hi, "USD", str(_to_usd(amount.value, amount.unit, rate)))


def _implied_rate(args: Mapping[str, Any], env: Env) -> Outcome:
    local, usd = env.one(args["local"]), env.one(args["usd"])
    v, lo, hi = _corners((local, usd), lambda xs: implied_rate(xs[1], xs[0]))
    unit = f"{local.unit}/{usd.unit}"
    return Outcome(v, lo, hi, unit, f"implied rate {format_value(v, unit)}")


def mean_growth(rates: Sequence[float]) -> float:
    """Arithmetic mean of growth rates in percent (the core's ``average_growth``).

    >>> round(mean_growth([6.7, 6.9, 6.6, 6.0, 2.2, 8.1]), 4)
    6.0833
    """
    return 100.0 * average_growth([r / 100.0 for r in rates], "arithmetic").value


def cagr(rates: Sequence[float]) -> float:
    """Compound annual growth in percent of annual rates in percent (geometric mean).

    >>> round(cagr([10.0, 10.0]), 6)
    10.0
    """
    return 100.0 * average_growth([r / 100.0 for r in rates], "geometric").value


def _mean_growth(args: Mapping[str, Any], env: Env) -> Outcome:
    rates = env.many(args["rates"])
    v, lo, hi = _corners(rates, mean_growth)
    return Outcome(v, lo, hi, "percent", f"arithmetic mean {v:.2f}% ({_span(rates)})")


def _cagr(args: Mapping[str, Any], env: Env) -> Outcome:
    rates = env.many(args["rates"])
    v, lo, hi = _corners(rates, cagr)
    return Outcome(v, lo, hi, "percent", f"compound annual growth {v:.2f}% ({_span(rates)})")


def _level(args: Mapping[str, Any], env: Env) -> Outcome:
    x = env.one(args["value"])
    return Outcome(x.value, x.low, x.high, x.unit, f"{format_value(x.value, x.unit)} ({x.label})")


def _level_change(args: Mapping[str, Any], env: Env) -> Outcome:
    """after / before - 1, percent."""
    a, b = env.one(args["before"]), env.one(args["after"])
    unit = _same_unit((a, b), "level_change")
    v, lo, hi = _corners((a, b), lambda xs: 100.0 * (xs[1] / xs[0] - 1))
    text = (
        f"{format_value(b.value, unit)} ({b.period}) / {format_value(a.value, unit)} "
        f"({a.period}) - 1 = {v:.1f}%"
    )
    return Outcome(v, lo, hi, "percent", text)


_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


def _operand(
    spec: Any, env: Env
) -> tuple[tuple[Value, ...], Callable[[Sequence[float]], float], str, str]:
    """An operand of a comparison: an input, a list of inputs (summed), or a nested
    computation. Returns its leaf values, a function of them, a label and its unit."""
    if isinstance(spec, Mapping):
        fn = spec["fn"]
        if fn == "mean_growth":
            rates = env.many(spec["rates"])
            unit = _same_unit(rates, "mean_growth")
            return rates, mean_growth, f"mean of {_span(rates)}", unit
        if fn == "ratio":
            num, den = env.one(spec["num"]), env.one(spec["den"])
            rate = env.one(spec["rate"]) if "rate" in spec else None
            factor = 100.0 if spec.get("percent") else 1.0
            both, _, leaves = _convert_side(num, den, rate, "ratio")

            def point(xs: Sequence[float]) -> float:
                a, b = both(xs)
                return factor * a / b

            unit = "percent" if spec.get("percent") else "ratio"
            return leaves, point, f"{num.label} / {den.label}", unit
        raise ConfigError(f"compare cannot nest {fn!r}. Hint: use mean_growth or ratio")
    values = env.many(spec)
    unit = _same_unit(values, "compare")
    return values, lambda xs: math.fsum(xs), " + ".join(v.label for v in values), unit


def _check_units(left: str, right: str, what: str) -> str:
    """The one unit both sides of a comparison share; raises when they differ."""
    if left != right:
        raise IncompatibleObservationsError(
            f"{what} compares {left} with {right}. Hint: compare figures in one unit: "
            "convert one side first (fn: convert with a rate input, or a nested ratio "
            "with a rate) or compare ratios"
        )
    return left


def _compare(args: Mapping[str, Any], env: Env) -> Outcome:
    """left op right, for inputs, sums of inputs or nested computations, in one unit."""
    op = _OPS[args["op"]]
    lv, lf, ll, lu = _operand(args["left"], env)
    rv, rf, rl, ru = _operand(args["right"], env)
    unit = _check_units(lu, ru, "compare")
    n = len(lv)

    def point(xs: Sequence[float]) -> float:
        return 1.0 if op(lf(xs[:n]), rf(xs[n:])) else 0.0

    v, lo, hi = _corners((*lv, *rv), point)
    left, right = lf([x.value for x in lv]), rf([x.value for x in rv])
    text = (
        f"{'true' if v else 'false'}: {format_value(left, unit)} {args['op']} "
        f"{format_value(right, unit)}"
    )
    return Outcome(v, lo, hi, "bool", text, boolean=True, detail=f"{ll} vs {rl}")


def _years(values: Sequence[Value]) -> list[int]:
    return [int(v.period[:4]) for v in values]


def _span(values: Sequence[Value]) -> str:
    years = _years(values) if all(v.period[:4].isdigit() for v in values) else []
    return f"{min(years)}-{max(years)}" if years else f"{len(values)} values"


def _window(text: str) -> tuple[int, int]:
    first, _, last = str(text).partition("..")
    return int(first), int(last or first)


def _by_year(values: Sequence[Value]) -> dict[int, Value]:
    return {int(v.period[:4]): v for v in values}


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


def _compare_mean_growth(args: Mapping[str, Any], env: Env) -> Outcome:
    """Arithmetic mean growth of ``left`` op that of ``right`` over ``window``; the
    runner adds the same test on other windows (``windows: {min_years: n}``)."""
    op = _OPS[args["op"]]
    lvals, rvals = env.many(args["left"]), env.many(args["right"])
    _check_units(
        _same_unit(lvals, "compare_mean_growth"),
        _same_unit(rvals, "compare_mean_growth"),
        "compare_mean_growth",
    )
    left, right = _by_year(lvals), _by_year(rvals)
    a, b = _window(args["window"])
    names = (left[a].entity or "left", right[a].entity or "right")

    def test(first: int, last: int) -> tuple[bool, str]:
        ys = [y for y in range(first, last + 1)]
        lm = mean_growth([left[y].value for y in ys])
        rm = mean_growth([right[y].value for y in ys])
        return op(lm, rm), f"{names[0]} {lm:.2f}% vs {names[1]} {rm:.2f}%"

    missing = [y for y in range(a, b + 1) if y not in left or y not in right]
    if missing:
        raise MissingInput(str(missing), f"growth rates for {missing}")
    ys = list(range(a, b + 1))
    lv, rv = [left[y] for y in ys], [right[y] for y in ys]
    n = len(lv)
    v, lo, hi = _corners(
        (*lv, *rv), lambda xs: 1.0 if op(mean_growth(xs[:n]), mean_growth(xs[n:])) else 0.0
    )
    holds, text = test(a, b)
    lc = cagr([x.value for x in lv])
    rc = cagr([x.value for x in rv])
    text = (
        f"{'true' if holds else 'false'} for {a}-{b}: {text} (arithmetic means; "
        f"compound {lc:.2f}% vs {rc:.2f}%)"
    )
    common = sorted(set(left) & set(right))
    windows = ()
    if "min_years" in args:
        windows = window_check(common, (a, b), int(args["min_years"]), test)
    return Outcome(v, lo, hi, "bool", text, boolean=True, windows=windows)


def _all_compare(args: Mapping[str, Any], env: Env) -> Outcome:
    """Every value op the reference (e.g. every other city's wage < Hanoi's)."""
    op = _OPS[args["op"]]
    values, ref = env.many(args["values"]), env.one(args["reference"])
    _check_units(_same_unit(values, "all_compare"), ref.unit, "all_compare")
    n = len(values)
    v, lo, hi = _corners(
        (*values, ref), lambda xs: 1.0 if all(op(x, xs[n]) for x in xs[:n]) else 0.0
    )
    parts = ", ".join(
        f"{x.entity} {x.period} {format_value(x.value, x.unit)}"
        + ("" if op(x.value, ref.value) else " (no)")
        for x in values
    )
    text = (
        f"{'true' if v else 'false'}: {parts} {args['op']} {ref.entity} {ref.period} "
        f"{format_value(ref.value, ref.unit)}"
    )
    return Outcome(v, lo, hi, "bool", text, boolean=True)


def _range_check(args: Mapping[str, Any], env: Env) -> Outcome:
    """Every annual rate inside [low, high] (each widened by its printed rounding)."""
    series = env.many(args["rates"])
    low, high = env.one(args["low"]), env.one(args["high"])
    _check_units(
        _same_unit(series, "range_check"), _same_unit((low, high), "range_check"), "range_check"
    )
    rates = _by_year(series)
    a, b = _window(args["window"])

    def test(first: int, last: int) -> tuple[bool, str]:
        out = [
            f"{y}: {rates[y].value:.2f}%"
            for y in range(first, last + 1)
            if not (low.low - _EPS <= rates[y].value <= high.high + _EPS)
        ]
        return not out, ("outside: " + ", ".join(out)) if out else "all inside"

    if any(y not in rates for y in range(a, b + 1)):
        raise MissingInput("rates", f"annual rates for {a}-{b}")
    holds, text = test(a, b)
    windows = ()
    if "min_years" in args:
        windows = window_check(sorted(rates), (a, b), int(args["min_years"]), test)
    label = f"{low.value:g}-{high.value:g}%"
    return Outcome(
        1.0 if holds else 0.0,
        1.0 if holds else 0.0,
        1.0 if holds else 0.0,
        "bool",
        f"{'true' if holds else 'false'} for {a}-{b} ({label}): {text}",
        boolean=True,
        windows=windows,
    )


def _balance_every_year(args: Mapping[str, Any], env: Env) -> Outcome:
    """The trade balance X - M of every year of two annual series, op 0 in each year
    (``op: ">"`` = a surplus every year)."""
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
    return Outcome(flag, flag, flag, "bool", text, boolean=True)


def _versions(args: Mapping[str, Any], env: Env) -> Outcome:
    """Two releases of one figure, each as (US$, local currency, growth): the second
    release against the first, with the exchange rate each conversion implies."""
    first, second = env.many(args["first"]), env.many(args["second"])
    texts = []
    for tag, (usd, local, growth) in (("first", first), ("second", second)):
        rate = implied_rate(usd.value, local.value)
        texts.append(
            f"{tag}: {format_value(usd.value, usd.unit)} = {format_value(local.value, local.unit)}"
            f" (+{growth.value:g}%), implied {rate:.3f} {local.unit}/{usd.unit}"
        )
    usd = second[0]
    r1 = implied_rate(first[0].value, first[1].value)
    r2 = implied_rate(second[0].value, second[1].value)
    text = "; ".join(texts) + f"; rates differ by {100 * (r1 / r2 - 1):.1f}%"
    return Outcome(usd.value, usd.low, usd.high, usd.unit, text)


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
    return Outcome(g.value, g.low, g.high, g.unit, text)


def _none(args: Mapping[str, Any], env: Env) -> Outcome:
    raise MissingInput("figures", "the claim rests on a chart; no figures are printed")


#: Indicator functions a study may name (``compute: {fn: ...}``).
FUNCTIONS: dict[str, FunctionImpl] = {
    "sum": _sum,
    "difference": _difference,
    "share": _share,
    "growth_from_parts": _growth_from_parts,
    "ratio": _ratio,
    "implied_total": _implied_total,
    "implied_rate": _implied_rate,
    "convert": _convert,
    "mean_growth": _mean_growth,
    "cagr": _cagr,
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


# --------------------------------------------------------------------------- verdicts
@dataclass(frozen=True)
class Stated:
    """The figure a publication states: a number with its printed tolerance, a bound, or
    that a comparison holds."""

    value: float
    tolerance: float
    unit: str
    text: str
    holds: bool | None = None
    bound: Literal["upper", "lower"] | None = None


def arithmetic_verdict(
    out: Outcome, stated: Value | Stated, tolerance: float | None = None
) -> Verdict:
    """consistent, consistent_within_rounding or inconsistent (see the module doc).

    >>> o = Outcome(58.39, 58.13, 58.64, "percent", "")
    >>> arithmetic_verdict(o, Stated(58.2, 0.05, "percent", "58.2%"))
    'consistent_within_rounding'
    """
    if isinstance(stated, Value):
        stated = Stated(stated.value, stated.tolerance, stated.unit, "")
    if not (out.boolean or stated.holds is not None) and out.unit != stated.unit:
        raise ConfigError(
            f"the computation gives {out.unit or 'no unit'} but the stated figure is in "
            f"{stated.unit or 'no unit'}. Hint: state the figure in {out.unit} (or convert "
            "the inputs so the result is in the stated unit)"
        )
    if out.boolean or stated.holds is not None:
        want = True if stated.holds is None else stated.holds
        if (out.value > 0.5) == want:
            return "consistent"
        return "consistent_within_rounding" if out.low != out.high else "inconsistent"
    tol = stated.tolerance if tolerance is None else tolerance
    eps = _EPS * max(abs(stated.value), 1.0)
    if stated.bound == "upper":
        if out.value <= stated.value + tol + eps:
            return "consistent"
        return (
            "consistent_within_rounding" if out.low <= stated.value + tol + eps else "inconsistent"
        )
    if stated.bound == "lower":
        if out.value >= stated.value - tol - eps:
            return "consistent"
        return (
            "consistent_within_rounding" if out.high >= stated.value - tol - eps else "inconsistent"
        )
    if abs(out.value - stated.value) <= tol + eps:
        return "consistent"
    if out.low - eps <= stated.value + tol and out.high + eps >= stated.value - tol:
        return "consistent_within_rounding"
    return "inconsistent"


def mixed_vintages(values: Iterable[Value]) -> list[tuple[Value, Value]]:
    """Pairs of inputs from one series (entity, indicator, concept, unit) but two
    releases (vintages)."""
    seen: dict[tuple[str, str, str, str], Value] = {}
    pairs = []
    for v in values:
        if not v.vintage:
            continue
        key = (v.entity, v.indicator, v.concept, v.unit)
        other = seen.get(key)
        if other is not None and other.vintage != v.vintage:
            pairs.append((other, v))
        seen.setdefault(key, v)
    return pairs


@dataclass(frozen=True)
class Decision:
    """A verdict and the reasons behind it."""

    verdict: Verdict
    reasons: tuple[str, ...] = field(default_factory=tuple)


def decide(
    out: Outcome,
    stated: Value | Stated,
    inputs: Sequence[Value],
    *,
    read_as: Mapping[str, str] | None = None,
    named: Mapping[str, Value | tuple[Value, ...]] | None = None,
    tolerance: float | None = None,
) -> Decision:
    """The verdict of one computed claim. Order: two vintages joined, then a comparison
    that flips on other windows, then an arithmetic mismatch, then a concept read as
    another, then the arithmetic verdict. The reasons list every flag raised.
    """
    arith = arithmetic_verdict(out, stated, tolerance)
    reasons = [f"arithmetic: {arith}"]
    pairs = mixed_vintages(inputs)
    reasons += [
        f"{a.label} ({a.vintage}) and {b.label} ({b.vintage}) are two releases of "
        f"{a.entity} {a.indicator}"
        for a, b in pairs
    ]
    concept_reasons = []
    for name, wanted in (read_as or {}).items():
        item = (named or {}).get(name)
        for v in item if isinstance(item, tuple) else (item,) if item is not None else ():
            if v.concept != wanted:
                concept_reasons.append(f"{v.label} is {v.concept}, read as {wanted}")
    reasons += concept_reasons
    flips = [w for w in out.windows if w[1] != (out.value > 0.5)]
    if flips:
        reasons.append(
            f"{'false' if out.value > 0.5 else 'true'} for "
            + "; ".join(f"{w[0]} ({w[2]})" for w in flips)
        )
    if pairs:
        return Decision("mixes_vintages", tuple(reasons))
    if flips:
        return Decision("window_dependent", tuple(reasons))
    if arith == "inconsistent":
        return Decision("inconsistent", tuple(reasons))
    if concept_reasons:
        return Decision("different_concepts", tuple(reasons))
    return Decision(arith, tuple(reasons))
