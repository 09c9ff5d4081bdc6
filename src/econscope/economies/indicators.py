"""Indicators on Python numbers and on engine tables, each with its formula.

Scalar functions take plain numbers (or Observations where units and periods matter) and
are the reference; the ``*_table`` functions compute the same formula as Ibis
expressions over observations or trade tables (BACI-sized data stay in the engine).

Growth and averages
    growth            g_t = x_t / x_{t-1} - 1
    average_growth    arithmetic mean (1/n) sum g_i, or geometric (prod (1 + g_i))^(1/n) - 1
    cagr              (x_T / x_0)^(1/years) - 1
Shares
    shares            s_i = x_i / sum x
    decompose_growth  g = sum_i s_i,0 x g_i  (base-period shares: exact)
Trade
    trade_balance X - M; openness (X + M) / GDP; tsi (X - M) / (X + M);
    grubel_lloyd 1 - |X - M| / (X + M)
Concentration
    hhi sum s_i^2; normalized_hhi (HHI - 1/N) / (1 - 1/N); top_n_share
Comparative advantage
    rca (X_cp / X_c) / (X_p / X), presence M_cp = 1 if RCA >= 1
Relative size
    ratio, per_capita, revenue_to_gdp (gross revenue against value added: flagged)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import ibis
import ibis.expr.types as ir

from econscope.economies.currency import Basis, ExchangeRates
from econscope.economies.observations import Observation, combine
from econscope.errors import DataError

__all__ = [
    "AverageGrowth",
    "Decomposition",
    "RevenueToGdp",
    "average_growth",
    "cagr",
    "decompose_growth",
    "growth",
    "growth_table",
    "grubel_lloyd",
    "grubel_lloyd_table",
    "hhi",
    "hhi_table",
    "normalized_hhi",
    "openness",
    "per_capita",
    "ratio",
    "rca",
    "rca_table",
    "revenue_to_gdp",
    "shares",
    "top_n_share",
    "trade_balance",
    "tsi",
    "tsi_table",
    "weighted_growth",
]


# --- growth ---------------------------------------------------------------------------


def growth(current: float, previous: float) -> float:
    """Growth rate g = current / previous - 1 (a ratio: 0.05 = 5%).

    >>> round(growth(122.36, 105.11), 4)
    0.1641
    """
    if previous == 0:
        raise DataError("growth from a zero base is undefined", hint="check the base period")
    return current / previous - 1


@dataclass(frozen=True)
class AverageGrowth:
    """An average growth rate and the method that made it (rates are ratios)."""

    value: float
    method: Literal["arithmetic", "geometric"]
    n: int

    def describe(self) -> str:
        """``arithmetic mean of 6 annual rates: 6.08%``."""
        what = "arithmetic mean" if self.method == "arithmetic" else "compound (geometric) mean"
        return f"{what} of {self.n} rates: {self.value:.2%}"


def average_growth(
    rates: Sequence[float], method: Literal["arithmetic", "geometric"] = "arithmetic"
) -> AverageGrowth:
    """Average of growth rates, saying which average it is.

    arithmetic: (1/n) sum g_i (what articles usually print);
    geometric:  (prod (1 + g_i))^(1/n) - 1 (the compound annual growth rate, CAGR).

    >>> china = [0.067, 0.069, 0.066, 0.060, 0.022, 0.081]   # article, 2016-2021
    >>> round(average_growth(china).value, 4)
    0.0608
    >>> average_growth(china, "geometric").describe()
    'compound (geometric) mean of 6 rates: 6.07%'
    """
    if not rates:
        raise DataError("no growth rates to average")
    n = len(rates)
    if method == "arithmetic":
        return AverageGrowth(sum(rates) / n, method, n)
    if method == "geometric":
        prod = math.prod(1 + g for g in rates)
        if prod <= 0:
            raise DataError("a rate of -100% or less has no geometric mean")
        return AverageGrowth(prod ** (1 / n) - 1, method, n)
    raise DataError(f"unknown method {method!r}", hint="use 'arithmetic' or 'geometric'")


def cagr(first: float, last: float, years: float) -> float:
    """Compound annual growth rate (last / first)^(1 / years) - 1.

    >>> round(cagr(100, 121, 2), 10)
    0.1
    """
    if first <= 0 or last <= 0 or years <= 0:
        raise DataError("CAGR needs positive levels and a positive number of years")
    return (last / first) ** (1 / years) - 1


def growth_table(
    obs: ir.Table, *, by: Sequence[str] = ("entity", "indicator", "unit", "concept")
) -> ir.Table:
    """Year-on-year growth of annual observations, in the engine.

    For each series (``by``), growth_t = value_t / value_{t-1} - 1 where t-1 is the
    previous calendar year (a gap gives null, not a growth over two years). Returns the
    observation columns with indicator ``growth(<indicator>)``, unit ``ratio``.
    """
    annual = obs.filter(obs.period.re_search(r"^\d{4}$")).mutate(_year=obs.period.cast("int64"))
    w = ibis.window(group_by=list(by), order_by=annual._year)
    lagged = annual.mutate(_prev=annual.value.lag().over(w), _prev_year=annual._year.lag().over(w))
    ok = (lagged._prev_year == lagged._year - 1) & (lagged._prev != 0)
    return lagged.select(
        entity=lagged.entity,
        indicator=ibis.literal("growth(").concat(lagged.indicator, ")"),
        period=lagged.period,
        value=ibis.ifelse(ok, lagged.value / lagged._prev - 1, ibis.null(float)),
        unit=ibis.literal("ratio"),
        concept=lagged.concept,
        source=lagged.source,
        vintage=lagged.vintage,
    )


# --- shares and decomposition -----------------------------------------------------------


def shares(parts: Mapping[str, float]) -> dict[str, float]:
    """Shares s_i = x_i / sum x.

    >>> {k: round(v, 3) for k, v in shares({"fdi": 90.59, "domestic": 31.77}).items()}
    {'fdi': 0.74, 'domestic': 0.26}
    """
    total = sum(parts.values())
    if total == 0:
        raise DataError("shares of a zero total are undefined")
    return {k: v / total for k, v in parts.items()}


def weighted_growth(shares_: Mapping[str, float], rates: Mapping[str, float]) -> float:
    """sum_i s_i x g_i, with the shares given (an approximation unless base-period shares).

    >>> round(weighted_growth({"fdi": 0.74, "dom": 0.26}, {"fdi": 0.147, "dom": 0.216}), 4)
    0.1649
    """
    if set(shares_) != set(rates):
        raise DataError("shares and rates name different parts")
    return sum(shares_[k] * rates[k] for k in shares_)


@dataclass(frozen=True)
class Decomposition:
    """A total's growth as the sum of its parts' contributions (base-period shares).

    total_growth = sum contributions; contribution_i = base_share_i x growth_i.
    """

    total_growth: float
    base_values: dict[str, float]
    base_shares: dict[str, float]
    current_shares: dict[str, float]
    contributions: dict[str, float]


def decompose_growth(current: Mapping[str, float], rates: Mapping[str, float]) -> Decomposition:
    """Decompose a total's growth from current values and growth of each part.

    base_i = x_i / (1 + g_i); s_i,0 = base_i / sum base; g = sum s_i,0 g_i = X / X_0 - 1.

    >>> d = decompose_growth({"fdi": 90.59, "dom": 31.77}, {"fdi": 0.147, "dom": 0.216})
    >>> round(d.total_growth, 4), round(d.base_shares["fdi"], 4)
    (0.1642, 0.7514)
    """
    if set(current) != set(rates):
        raise DataError("values and rates name different parts")
    base = {k: current[k] / (1 + rates[k]) for k in current}
    base_shares = shares(base)
    contributions = {k: base_shares[k] * rates[k] for k in current}
    return Decomposition(
        total_growth=sum(contributions.values()),
        base_values=base,
        base_shares=base_shares,
        current_shares=shares(current),
        contributions=contributions,
    )


# --- ratios ----------------------------------------------------------------------------


def _align(
    a: Observation, b: Observation, rates: ExchangeRates | None, basis: Basis | None
) -> tuple[Observation, Observation]:
    from econscope.economies.units import is_currency

    if is_currency(a.unit) and is_currency(b.unit) and a.unit != b.unit:
        if rates is None or basis is None:
            raise DataError(
                f"{a.unit} and {b.unit} need converting",
                hint="pass rates=ExchangeRates(...) and basis='period_average' (or another)",
            )
        c = rates.convert(a.value, a.unit, b.unit, basis=basis, period=a.period)
        a = a.with_(value=c.value, unit=b.unit, note=_join_note(a.note, c.describe()))
    return a, b


def _join_note(a: str, b: str) -> str:
    return f"{a}; {b}" if a else b


def ratio(
    a: Observation,
    b: Observation,
    *,
    rates: ExchangeRates | None = None,
    basis: Basis | None = None,
    indicator: str | None = None,
    allow_concepts: bool = False,
    allow_periods: bool = False,
    allow_vintages: bool = False,
) -> Observation:
    """a / b after converting a's currency to b's (basis printed in the note).

    >>> from econscope.economies.currency import Rate
    >>> fx = ExchangeRates([Rate("USD", "CNY", "period_average", "2022Q1", 6.35)])
    >>> vn = Observation("VNM", "exports", "2022Q1", 88.58e9, "USD")
    >>> sz = Observation("CN-SZ", "exports", "2022Q1", 4076.6e8, "CNY")
    >>> r = ratio(vn, sz, rates=fx, basis="period_average")
    >>> round(r.value, 3), r.note
    (1.38, 'at 6.35 CNY per USD, period average 2022Q1')
    """
    a, b = _align(a, b, rates, basis)
    return combine(
        a,
        b,
        "/",
        indicator=indicator,
        allow_concepts=allow_concepts,
        allow_periods=allow_periods,
        allow_vintages=allow_vintages,
    )


def per_capita(value: Observation, population: Observation, **allow: bool) -> Observation:
    """value / population (unit ``<unit>/persons``); population must be in persons.

    >>> gdp = Observation("VNM", "gdp", "2021", 366e9, "USD")
    >>> pop = Observation("VNM", "population", "2021", 98.9e6, "persons")
    >>> p = per_capita(gdp, pop)
    >>> round(p.value), p.unit
    (3701, 'USD/persons')
    """
    if population.unit != "persons":
        raise DataError(f"population in {population.unit!r}", hint="give population in persons")
    return combine(
        value,
        population,
        "/",
        indicator=f"{value.indicator} per capita",
        allow_concepts=True,
        **allow,
    )


@dataclass(frozen=True)
class RevenueToGdp:
    """A firm's revenue over a GDP: gross revenue (output, includes bought-in inputs)
    against value added. It is a size comparison, not a share of GDP; ``warning`` says so."""

    value: float
    observation: Observation
    warning: str


def revenue_to_gdp(
    revenue: Observation,
    gdp: Observation,
    *,
    rates: ExchangeRates | None = None,
    basis: Basis | None = None,
) -> RevenueToGdp:
    """revenue / GDP, labelled as gross revenue against value added.

    >>> rev = Observation("SINOPEC", "revenue", "2021", 27409e8, "CNY", concept="gross revenue")
    >>> gdp = Observation("CHN", "gdp", "2021", 1143670e8, "CNY", concept="value added")
    >>> r = revenue_to_gdp(rev, gdp)
    >>> round(r.value, 3), r.observation.concept
    (0.024, 'gross revenue / value added')
    """
    a, b = _align(revenue, gdp, rates, basis)
    obs = combine(a, b, "/", indicator="revenue_to_gdp", allow_concepts=True)
    warning = (
        "gross revenue against GDP (value added): not a share of GDP; the firm's value "
        "added is smaller than its revenue"
    )
    obs = obs.with_(concept="gross revenue / value added", note=_join_note(obs.note, warning))
    return RevenueToGdp(obs.value, obs, warning)


# --- trade -----------------------------------------------------------------------------


def trade_balance(exports: float, imports: float) -> float:
    """X - M.

    >>> round(trade_balance(122.36, 119.83), 2)
    2.53
    """
    return exports - imports


def openness(exports: float, imports: float, gdp: float) -> float:
    """(X + M) / GDP (same currency and period).

    >>> openness(30, 20, 100)
    0.5
    """
    if gdp == 0:
        raise DataError("openness of a zero GDP is undefined")
    return (exports + imports) / gdp


def tsi(exports: float, imports: float) -> float:
    """Trade specialisation index (X - M) / (X + M), in [-1, 1]; -1 = only imports.

    The article's "industry dependence index": the closer to -1, the more dependent.

    >>> tsi(0, 5), tsi(3, 1)
    (-1.0, 0.5)
    """
    total = exports + imports
    if total == 0:
        raise DataError("TSI with no trade is undefined")
    return (exports - imports) / total


def grubel_lloyd(exports: float, imports: float) -> float:
    """Grubel-Lloyd intra-industry trade 1 - |X - M| / (X + M), in [0, 1].

    >>> grubel_lloyd(3, 1), grubel_lloyd(2, 2)
    (0.5, 1.0)
    """
    total = exports + imports
    if total == 0:
        raise DataError("Grubel-Lloyd with no trade is undefined")
    return 1 - abs(exports - imports) / total


def _flows_wide(trade: ir.Table, by: Sequence[str]) -> ir.Table:
    t = trade.filter(trade.flow.isin(["export", "import"]))
    return t.group_by(list(by)).aggregate(
        x=t.value.sum(where=t.flow == "export").fill_null(0.0),
        m=t.value.sum(where=t.flow == "import").fill_null(0.0),
    )


def tsi_table(
    trade: ir.Table, *, by: Sequence[str] = ("period", "reporter", "partner", "product")
) -> ir.Table:
    """TSI per group of a trade table: columns ``by`` + x, m, tsi (null when x + m = 0).

    Re-exports and re-imports are left out; keep partner ``WLD`` out of ``by`` sums
    with specific partners (filter the trade table first).
    """
    w = _flows_wide(trade, by)
    return w.mutate(tsi=ibis.ifelse(w.x + w.m == 0, ibis.null(float), (w.x - w.m) / (w.x + w.m)))


def grubel_lloyd_table(
    trade: ir.Table, *, by: Sequence[str] = ("period", "reporter", "partner", "product")
) -> ir.Table:
    """Grubel-Lloyd per group: columns ``by`` + x, m, gl."""
    w = _flows_wide(trade, by)
    return w.mutate(
        gl=ibis.ifelse(w.x + w.m == 0, ibis.null(float), 1 - (w.x - w.m).abs() / (w.x + w.m))
    )


# --- concentration ---------------------------------------------------------------------


def _positive_shares(values: Sequence[float]) -> list[float]:
    if any(v < 0 for v in values):
        raise DataError("concentration needs non-negative values")
    total = sum(values)
    if total == 0:
        raise DataError("concentration of a zero total is undefined")
    return [v / total for v in values]


def hhi(values: Sequence[float]) -> float:
    """Herfindahl-Hirschman index sum s_i^2 of shares (1/N for equal parts, 1 for one).

    >>> hhi([50, 30, 20])
    0.38
    """
    return sum(s * s for s in _positive_shares(values))


def normalized_hhi(values: Sequence[float]) -> float:
    """HHI* = (HHI - 1/N) / (1 - 1/N), in [0, 1]; N = number of parts (needs N >= 2).

    >>> round(normalized_hhi([50, 30, 20]), 4)
    0.07
    """
    n = len(values)
    if n < 2:
        raise DataError("normalised HHI needs at least two parts")
    return (hhi(values) - 1 / n) / (1 - 1 / n)


def top_n_share(values: Sequence[float], n: int) -> float:
    """Share of the n largest parts in the total.

    >>> top_n_share([50, 30, 20], 2)
    0.8
    """
    if n < 1:
        raise DataError("top-N share needs n >= 1")
    return sum(sorted(_positive_shares(values), reverse=True)[:n])


def hhi_table(
    table: ir.Table, *, by: Sequence[str], part: str, value: str = "value", top_n: int = 5
) -> ir.Table:
    """HHI, normalised HHI and top-N share of ``part`` within each ``by`` group, in the engine.

    Columns: ``by`` + n_parts, total, hhi, hhi_normalized (null when n_parts < 2),
    top_n_share, flag. Parts are first summed (one row per part). Where the scalar
    :func:`hhi` raises, the group's hhi, hhi_normalized and top_n_share are null and
    ``flag`` says why: ``negative_parts`` (a part sums below zero) or ``zero_total``;
    ``flag`` is null for the other groups.
    """
    parts = table.group_by([*by, part]).aggregate(_v=table[value].sum())
    w = ibis.window(group_by=list(by))
    ranked = parts.mutate(
        _total=parts._v.sum().over(w),
        _rank=ibis.row_number().over(ibis.window(group_by=list(by), order_by=ibis.desc(parts._v))),
    )
    ranked = ranked.mutate(
        _s=ibis.ifelse(ranked._total == 0, ibis.null(float), ranked._v / ranked._total)
    )
    out = ranked.group_by(list(by)).aggregate(
        n_parts=ranked.count(),
        total=ranked._v.sum(),
        _negative=(ranked._v < 0).any(),
        hhi=(ranked._s * ranked._s).sum(),
        top_n_share=ranked._s.sum(where=ranked._rank < top_n),
    )
    flag = ibis.cases(
        (out._negative, "negative_parts"),
        (out.total == 0, "zero_total"),
        else_=ibis.null(str),
    )
    out = out.mutate(flag=flag)
    bad = out.flag.notnull()
    out = out.mutate(
        hhi=ibis.ifelse(bad, ibis.null(float), out.hhi),
        hhi_normalized=ibis.ifelse(
            bad | (out.n_parts < 2),
            ibis.null(float),
            (out.hhi - 1 / out.n_parts) / (1 - 1 / out.n_parts),
        ),
        top_n_share=ibis.ifelse(bad, ibis.null(float), out.top_n_share.fill_null(0.0)),
    )
    return out.select(*by, "n_parts", "total", "hhi", "hhi_normalized", "top_n_share", "flag")


# --- revealed comparative advantage ----------------------------------------------------


def rca(x_cp: float, x_c: float, x_p: float, x: float) -> float:
    """Balassa RCA = (X_cp / X_c) / (X_p / X); the location is present in the product
    when RCA >= 1 (as in the Growth Lab's ecomplexity).

    >>> round(rca(30, 40, 35, 75), 6)   # A's q: (30/40) / (35/75)
    1.607143
    """
    if x_c == 0 or x_p == 0 or x == 0:
        raise DataError("RCA needs non-zero totals")
    return (x_cp / x_c) / (x_p / x)


def rca_table(
    table: ir.Table,
    *,
    time: str = "period",
    location: str = "reporter",
    product: str = "product",
    value: str = "value",
    threshold: float = 1.0,
) -> ir.Table:
    """Balassa RCA for every (time, location, product) in the engine.

    Columns: time, location, product, value, rca, mcp (1 when rca >= threshold).
    Values are first summed per cell; filter a trade table to exports and to partner
    ``WLD`` (or to specific partners, never both) before calling.
    """
    cells = table.group_by([time, location, product]).aggregate(_x=table[value].sum())
    x_c = ibis.window(group_by=[cells[time], cells[location]])
    x_p = ibis.window(group_by=[cells[time], cells[product]])
    x_t = ibis.window(group_by=[cells[time]])
    t = cells.mutate(
        _xc=cells._x.sum().over(x_c), _xp=cells._x.sum().over(x_p), _xt=cells._x.sum().over(x_t)
    )
    ok = (t._xc != 0) & (t._xp != 0) & (t._xt != 0)
    r = ibis.ifelse(ok, (t._x / t._xc) / (t._xp / t._xt), ibis.null(float))
    t = t.mutate(rca=r)
    return t.select(
        time,
        location,
        product,
        value=t._x,
        rca=t.rca,
        mcp=ibis.ifelse(t.rca >= threshold, 1, 0).cast("int8"),
    )
