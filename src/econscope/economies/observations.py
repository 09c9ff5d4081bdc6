"""Observations: every number with its meaning attached, and arithmetic that checks it.

An observation is (entity, indicator, period, value, unit, concept, source, vintage).
Single figures are :class:`Observation` objects; many are an engine table with the same
columns (:data:`OBSERVATION_SCHEMA`). Arithmetic refuses, with
:class:`~econscope.errors.IncompatibleObservationsError` naming the fix, to combine
different units (convert currencies first), concepts (FDI registered capital vs BoP
inflow; gross revenue vs value added), periods (a quarter and a year) or vintages (two
releases of the same series), unless the caller overrides that check explicitly.

>>> x = Observation("VNM", "exports_fdi", "2022-01..2022-04", 90.59e9, "USD", source="GSO")
>>> y = Observation("VNM", "exports_domestic", "2022-01..2022-04", 31.77e9, "USD", source="GSO")
>>> round((x + y).value / 1e9, 2)
122.36
>>> z = Observation("VNM", "exports", "2022Q1", 88.58e9, "USD")
>>> try:
...     x + z
... except IncompatibleObservationsError as exc:
...     print(exc)  # doctest: +ELLIPSIS
cannot add: periods differ ('2022-01..2022-04' vs '2022Q1'). Hint: align the periods ...
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Literal

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from econscope.economies.periods import parse_period
from econscope.economies.units import half_unit, unit_family
from econscope.errors import DataError, IncompatibleObservationsError

__all__ = [
    "OBSERVATION_COLUMNS",
    "OBSERVATION_SCHEMA",
    "Mismatch",
    "Observation",
    "Op",
    "check_compatible",
    "combine",
    "combine_tables",
    "compatibility",
    "evaluate",
    "observations_from_table",
    "observations_table",
    "validate_observations",
]

OBSERVATION_COLUMNS: tuple[str, ...] = (
    "entity",
    "indicator",
    "period",
    "value",
    "unit",
    "concept",
    "source",
    "vintage",
)
#: The engine schema of an observations table (DESIGN.md, output schemas).
OBSERVATION_SCHEMA = ibis.schema(
    {
        "entity": "string",
        "indicator": "string",
        "period": "string",
        "value": "float64",
        "unit": "string",
        "concept": "string",
        "source": "string",
        "vintage": "string",
    }
)
_ARROW_SCHEMA = OBSERVATION_SCHEMA.to_pyarrow()

Op = Literal["+", "-", "*", "/"]
_OP_NAME = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide"}


@dataclass(frozen=True)
class Observation:
    """One figure with its meaning. ``value`` is in base units of ``unit`` (``USD`` not
    "US$ bn"); ``period`` is stored in canonical form (see :mod:`.periods`); ``note``
    records how a derived figure was made (conversions with their basis, overrides).

    ``low`` and ``high`` bound what the figure may be: a printed figure is known only to
    the rounding of its last digit ("9.20" is 9.195 to 9.205, :meth:`printed`); a data
    value is exact (both equal ``value``, the default). ``label`` names where the figure
    came from (a fact id, a data query).

    >>> x = Observation.printed("VNM", "balance", "2022", -9.20e9, "USD", raw="92 Billion")
    >>> (x.low / 1e9, x.high / 1e9)
    (-9.25, -9.15)
    """

    entity: str
    indicator: str
    period: str
    value: float
    unit: str
    concept: str = ""
    source: str = ""
    vintage: str = ""
    note: str = ""
    low: float | None = None
    high: float | None = None
    label: str = ""

    def __post_init__(self) -> None:
        if self.period and "|" not in self.period:
            object.__setattr__(self, "period", parse_period(self.period).label)
        value = float(self.value)
        object.__setattr__(self, "value", value)
        low = value if self.low is None else float(self.low)
        high = value if self.high is None else float(self.high)
        if not low <= value <= high and not math.isnan(value):
            raise IncompatibleObservationsError(
                f"{self.label or self.indicator}: interval [{low:g}, {high:g}] does not hold "
                f"the value {value:g}. Hint: give low <= value <= high"
            )
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)

    @classmethod
    def printed(
        cls,
        entity: str,
        indicator: str,
        period: str,
        value: float,
        unit: str,
        *,
        raw: str,
        widen: float = 0.0,
        **meaning: str,
    ) -> Observation:
        """A figure read from a printed phrase: its interval is half a unit of the last
        digit printed (:func:`~econscope.economies.units.half_unit`), widened by the
        relative ``widen`` for a qualifier such as "about"."""
        h = max(half_unit(value, raw), abs(float(value)) * widen)
        v = float(value)
        return cls(entity, indicator, period, v, unit, low=v - h, high=v + h, **meaning)

    @property
    def tolerance(self) -> float:
        """Half the width of the interval (0 for an exact figure)."""
        return (float(self.high) - float(self.low)) / 2.0  # type: ignore[arg-type]

    @property
    def exact(self) -> bool:
        """Whether the figure carries no interval."""
        return self.low == self.high

    def with_(self, **changes: object) -> Observation:
        """A copy with fields changed (observations are immutable). Changing ``value``
        alone makes the copy exact."""
        if "value" in changes and "low" not in changes and "high" not in changes:
            changes = {**changes, "low": None, "high": None}
        return replace(self, **changes)  # type: ignore[arg-type]

    def record(self) -> dict[str, object]:
        """The observation as a row of the engine schema (``note``, interval and label
        left out)."""
        d = asdict(self)
        for k in ("note", "low", "high", "label"):
            d.pop(k)
        return d

    def __add__(self, other: Observation | float) -> Observation:
        return combine(self, other, "+")

    def __sub__(self, other: Observation | float) -> Observation:
        return combine(self, other, "-")

    def __mul__(self, other: Observation | float) -> Observation:
        return combine(self, other, "*")

    def __truediv__(self, other: Observation | float) -> Observation:
        return combine(self, other, "/")

    def __str__(self) -> str:
        from econscope.economies.units import format_quantity

        extra = f"; {self.note}" if self.note else ""
        concept = f" [{self.concept}]" if self.concept else ""
        return (
            f"{self.entity} {self.indicator}{concept} {self.period}: "
            f"{format_quantity(self.value, self.unit)} ({self.source or 'no source'}"
            f"{', vintage ' + self.vintage if self.vintage else ''}{extra})"
        )


#: Corner evaluation is exact for functions monotone in each input; past this many
#: inputs with an interval (2**n evaluations) only the point is evaluated.
MAX_CORNER_INPUTS = 12


def evaluate(
    fn: Callable[[Sequence[float]], float], observations: Sequence[Observation]
) -> tuple[float, float, float]:
    """(point, low, high) of ``fn`` over the intervals of ``observations``.

    ``fn`` takes the values in order; it runs at the point and at every corner of the
    intervals (exact bounds for a function monotone in each input, as sums, ratios,
    shares and growth rates are). A corner where ``fn`` divides by zero is dropped.

    >>> a = Observation.printed("VNM", "x", "2021", 11.73, "USD", raw="11.73")
    >>> b = Observation.printed("VNM", "y", "2021", -9.20, "USD", raw="9.20")
    >>> [round(v, 3) for v in evaluate(sum, [a, b])]
    [2.53, 2.52, 2.54]
    """
    centre = fn([o.value for o in observations])
    widened = [o for o in observations if not o.exact]
    if len(widened) > MAX_CORNER_INPUTS:
        return centre, centre, centre
    results = [centre]
    choices = [(o.low, o.high) if not o.exact else (o.value,) for o in observations]
    for combo in itertools.product(*choices):
        try:
            results.append(fn(combo))  # type: ignore[arg-type]
        except ZeroDivisionError:
            continue
    finite = [r for r in results if math.isfinite(r)]
    if not finite:
        return centre, centre, centre
    return centre, min(finite), max(finite)


MismatchKind = Literal["units", "currencies", "concepts", "periods", "vintages"]


@dataclass(frozen=True)
class Mismatch:
    """Why two observations should not be combined as they are: the rule (``kind``),
    the two values of the field it reads, the override flag and the fix."""

    kind: MismatchKind
    left: str
    right: str
    flag: str
    hint: str

    def __str__(self) -> str:
        return f"{self.kind} differ ({self.left!r} vs {self.right!r})"


def compatibility(a: Observation, b: Observation, op: Op) -> tuple[Mismatch, ...]:
    """Every reason ``a op b`` would mix what should not be mixed (empty = compatible).

    Rules: ``+`` and ``-`` need the same unit; ``*`` and ``/`` take any units, except
    two different currencies (convert first). All operations need the same concept,
    the same period span and the same vintage. The ledger reads these reasons as its
    concept and vintage flags; :func:`check_compatible` raises on them.

    >>> g = Observation("VNM", "gdp", "2021", 366e9, "USD", concept="value added")
    >>> r = Observation("SAMSUNG-VN", "revenue", "2021", 74e9, "USD", concept="gross revenue")
    >>> [str(x) for x in compatibility(r, g, "/")]
    ["concepts differ ('gross revenue' vs 'value added')"]
    """
    reasons: list[Mismatch] = []
    money_hint = "convert both to one currency with ExchangeRates.convert (the basis is printed)"
    fa, fb = unit_family(a.unit), unit_family(b.unit)
    if op in "+-" and a.unit != b.unit:
        hint = money_hint if fa == fb == "money" else "use figures in the same unit"
        reasons.append(Mismatch("units", a.unit, b.unit, "allow_units", hint))
    if op in "*/" and fa == fb == "money" and a.unit != b.unit:
        reasons.append(Mismatch("currencies", a.unit, b.unit, "allow_units", money_hint))
    if a.concept != b.concept:
        hint = "compare like with like (e.g. value added with value added)"
        reasons.append(Mismatch("concepts", a.concept, b.concept, "allow_concepts", hint))
    if not _same_span(a.period, b.period):
        reasons.append(
            Mismatch("periods", a.period, b.period, "allow_periods", "align the periods first")
        )
    if a.vintage != b.vintage:
        hint = "take both figures from one release"
        reasons.append(Mismatch("vintages", a.vintage, b.vintage, "allow_vintages", hint))
    return tuple(reasons)


def check_compatible(
    a: Observation,
    b: Observation,
    op: Op,
    *,
    allow_units: bool = False,
    allow_concepts: bool = False,
    allow_periods: bool = False,
    allow_vintages: bool = False,
) -> list[str]:
    """Raise IncompatibleObservationsError for the first reason of :func:`compatibility`
    that its ``allow_*`` flag does not waive; return the waived ones as text so the
    result can record them."""
    allowed = {
        "allow_units": allow_units,
        "allow_concepts": allow_concepts,
        "allow_periods": allow_periods,
        "allow_vintages": allow_vintages,
    }
    waived: list[str] = []
    for r in compatibility(a, b, op):
        if allowed[r.flag]:
            waived.append(f"{r.flag}: {r.left!r} vs {r.right!r}")
            continue
        raise IncompatibleObservationsError(
            f"cannot {_OP_NAME[op]}: {r}. Hint: {r.hint}, or pass {r.flag}=True"
        )
    return waived


def _same_span(p: str, q: str) -> bool:
    if p == q:
        return True
    try:
        return parse_period(p).same_span(parse_period(q))
    except DataError:
        return False


def _join(x: str, y: str) -> str:
    return x if x == y else f"{x}|{y}"


def _result_unit(a: str, b: str, op: Op) -> str:
    if op in "+-":
        return a
    if op == "/":
        if a == b:
            return "ratio"
        return a if b == "ratio" else f"{a}/{b}"
    if a == "ratio":
        return b
    if b == "ratio":
        return a
    return f"{a}*{b}"


def combine(
    a: Observation,
    b: Observation | float,
    op: Op,
    *,
    indicator: str | None = None,
    allow_units: bool = False,
    allow_concepts: bool = False,
    allow_periods: bool = False,
    allow_vintages: bool = False,
) -> Observation:
    """``a op b`` after :func:`check_compatible`; a plain number scales ``a`` (unit kept).

    The result's indicator is ``indicator`` or ``(a op b)``; entity, period, concept,
    source and vintage are joined with ``|`` where they differ (only possible with an
    override), and the waived checks are written into ``note``.

    >>> gdp = Observation("VNM", "gdp", "2021", 366e9, "USD", concept="value added")
    >>> rev = Observation("SAMSUNG-VN", "revenue", "2021", 74.2e9, "USD", concept="gross revenue")
    >>> r = combine(rev, gdp, "/", allow_concepts=True)
    >>> round(r.value, 3), r.unit, r.note
    (0.203, 'ratio', "allow_concepts: 'gross revenue' vs 'value added'")
    """
    if not isinstance(b, Observation):
        if op not in "*/":
            raise IncompatibleObservationsError(
                f"cannot {_OP_NAME[op]} a bare number to an observation. "
                "Hint: make the number an Observation with its unit and period"
            )
        k = float(b) if op == "*" else 1.0 / float(b)
        ends = sorted((a.low * k, a.high * k))  # type: ignore[operator]
        return a.with_(
            value=a.value * k, low=ends[0], high=ends[1], note=_append(a.note, f"{op} {b:g}")
        )
    waived = check_compatible(
        a,
        b,
        op,
        allow_units=allow_units,
        allow_concepts=allow_concepts,
        allow_periods=allow_periods,
        allow_vintages=allow_vintages,
    )

    def apply(xs: Sequence[float]) -> float:
        x, y = xs
        if op == "+":
            return x + y
        if op == "-":
            return x - y
        if op == "*":
            return x * y
        return x / y if y != 0 else math.nan

    value, low, high = evaluate(apply, (a, b))
    if math.isnan(value):
        low = high = value
    return Observation(
        entity=_join(a.entity, b.entity),
        indicator=indicator or f"({a.indicator} {op} {b.indicator})",
        period=a.period if _same_span(a.period, b.period) else f"{a.period}|{b.period}",
        value=value,
        unit=_result_unit(a.unit, b.unit, op),
        concept=_join(a.concept, b.concept),
        source=_join(a.source, b.source),
        vintage=_join(a.vintage, b.vintage),
        note="; ".join(x for x in (a.note, b.note, *waived) if x),
        low=low,
        high=high,
    )


def _append(note: str, extra: str) -> str:
    return f"{note}; {extra}" if note else extra


def observations_table(
    data: Iterable[Observation] | pa.Table | Sequence[dict[str, object]],
) -> ir.Table:
    """An Ibis table in :data:`OBSERVATION_SCHEMA` from Observations, dicts or Arrow.

    >>> t = observations_table([Observation("VNM", "gdp", "2021", 366e9, "USD")])
    >>> t.schema() == OBSERVATION_SCHEMA
    True
    """
    if isinstance(data, pa.Table):
        arrow = data.select(list(OBSERVATION_COLUMNS)).cast(_ARROW_SCHEMA)
    else:
        rows = [o.record() if isinstance(o, Observation) else dict(o) for o in data]
        cols = {
            c: [
                ("" if r.get(c) is None and c in {"concept", "source", "vintage"} else r.get(c))
                for r in rows
            ]
            for c in OBSERVATION_COLUMNS
        }
        arrow = pa.table(cols, schema=_ARROW_SCHEMA)
    return ibis.memtable(arrow)


def validate_observations(table: ir.Table) -> ir.Table:
    """``table`` restricted and cast to the observation schema; DataError if a column lacks."""
    missing = [c for c in OBSERVATION_COLUMNS if c not in table.columns]
    if missing:
        raise DataError(
            f"not an observations table: missing {missing}",
            hint=f"an observations table has columns {list(OBSERVATION_COLUMNS)}",
        )
    return table.select(*[table[c].cast(t) for c, t in OBSERVATION_SCHEMA.items()])


def observations_from_table(table: ir.Table, *, limit: int = 100_000) -> list[Observation]:
    """The rows of a (small) observations table as Observations (at most ``limit``)."""
    rows = validate_observations(table).limit(limit).to_pyarrow().to_pylist()
    return [Observation(**{k: ("" if v is None else v) for k, v in r.items()}) for r in rows]


def combine_tables(
    left: ir.Table,
    right: ir.Table,
    op: Op,
    *,
    indicator: str,
    on: Sequence[str] = ("entity", "period"),
    allow_units: bool = False,
    allow_concepts: bool = False,
    allow_periods: bool = False,
    allow_vintages: bool = False,
) -> ir.Table:
    """``left op right`` row by row in the engine, matched on ``on`` columns.

    The same rules as :func:`check_compatible`, checked on the whole join: the first
    offending pair (a small aggregate) is named in the error. Periods are matched by
    the join (keep ``period`` in ``on``; ``allow_periods`` drops it from the join).
    Returns an observations table whose indicator is ``indicator``.
    """
    left, right = validate_observations(left), validate_observations(right)
    keys = [k for k in on if not (allow_periods and k == "period")]
    r = right.rename({f"{c}_r": c for c in OBSERVATION_COLUMNS})
    joined = left.join(r, [left[k] == r[f"{k}_r"] for k in keys])
    checks: list[tuple[str, ir.BooleanValue, str, str]] = []
    if not allow_units:
        if op in "+-":
            bad = joined.unit != joined.unit_r
        else:
            money = joined.unit.re_search(r"^[A-Z]{3}$") & joined.unit_r.re_search(r"^[A-Z]{3}$")
            bad = money & (joined.unit != joined.unit_r)
        checks.append(("units", bad, "unit", "convert with ExchangeRates.convert_table"))
    if not allow_concepts:
        checks.append(
            ("concepts", joined.concept != joined.concept_r, "concept", "compare like with like")
        )
    if not allow_vintages:
        checks.append(
            ("vintages", joined.vintage != joined.vintage_r, "vintage", "use one release")
        )
    for what, bad, col, hint in checks:
        first = joined.filter(bad).select(col, f"{col}_r", "entity", "period").limit(1)
        rows = first.to_pyarrow().to_pylist()
        if rows:
            row = rows[0]
            flag = {"units": "allow_units", "concepts": "allow_concepts"}.get(
                what, "allow_vintages"
            )
            raise IncompatibleObservationsError(
                f"cannot {_OP_NAME[op]}: {what} differ ({row[col]!r} vs {row[col + '_r']!r}, "
                f"e.g. {row['entity']} {row['period']}). Hint: {hint}, or pass {flag}=True"
            )
    if op == "+":
        value = joined.value + joined.value_r
    elif op == "-":
        value = joined.value - joined.value_r
    elif op == "*":
        value = joined.value * joined.value_r
    else:
        value = ibis.ifelse(joined.value_r == 0, ibis.null(float), joined.value / joined.value_r)
    if op in "+-":
        unit = joined.unit
    elif op == "/":
        unit = ibis.ifelse(
            joined.unit == joined.unit_r, "ratio", joined.unit.concat("/", joined.unit_r)
        )
    else:
        unit = joined.unit.concat("*", joined.unit_r)

    def joined_text(c: str) -> ir.StringValue:
        return ibis.ifelse(
            joined[c] == joined[f"{c}_r"], joined[c], joined[c].concat("|", joined[f"{c}_r"])
        )

    return joined.select(
        entity=joined_text("entity"),
        indicator=ibis.literal(indicator),
        period=joined_text("period"),
        value=value.cast("float64"),
        unit=unit,
        concept=joined_text("concept"),
        source=joined_text("source"),
        vintage=joined_text("vintage"),
    )
