"""The report's result tables as backend-neutral Ibis expressions, one builder per table.

Each builder takes the firm-month table (:mod:`econscope.smallbiz.results.firm_months`,
built from the panel) and the settings, and returns an unexecuted Ibis expression of the
table's tidy schema (:data:`econscope.smallbiz.tables.TABLES`): the dimension columns, then
``measure``,
``value``, ``n_firms`` and ``suppressed``. A share is marked ``suppressed`` here when the
firms it counts in, or the firms it counts out, number 1 to k-1 (``settings.disclosure.k``):
share x n_firms would give that small group back. The rest of disclosure control (cells
of fewer than k firms) is applied after execution, by :func:`econscope.disclosure.suppress`.

Definitions shared by every table (docs/results.md gives them in full):

- **Month** = the calendar month of the statement date, as a date (first of the month).
- **Firm-month**: the cycles whose statements fall in one month are collapsed to one row
  per firm, so a firm with two statements in a month counts once. It *revolves* when any
  of those cycles revolves; its status is *known* when any of them has a known status;
  its revolving balance is the largest revolving balance of the month (a balance carried
  forward is part of the next statement, so a sum would count it twice); its ADB and
  cash buffer days are the means over the month's cycles.
- **Dollars** are 2022 dollars, from the panel's ``*_real`` columns.
- **Medians** are exact (DuckDB ``quantile_cont``, Spark ``percentile``: the mean of the
  two middle values for an even count), never approximate quantiles.
- **n_firms** = the distinct firms behind a cell: for a share, the firms in its
  denominator; for a median, the firms whose values entered it.

>>> from econscope.smallbiz.results.firm_months import firm_months
>>> from econscope.smallbiz.results.registry import example_panel
>>> from econscope.config import Settings
>>> expr = fig02(firm_months(example_panel()), Settings())  # nothing has run yet
>>> from econscope.engine import connect
>>> df = connect().to_pyarrow(expr).to_pandas().sort_values("measure")
>>> df[["measure", "value", "n_firms"]].values.tolist()
[['median_revolving_balance', 150.0, 2], ['share_revolving', 0.5, 4]]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from econscope.config import Settings
from econscope.errors import ConfigError
from econscope.smallbiz.results.firm_months import REVOLVERS, TRANSACTORS
from econscope.smallbiz.tables import TABLES

__all__ = [
    "cashflow",
    "fig02",
    "fig03",
    "fig04",
    "fig05",
    "fig06",
    "fig07",
    "fig10",
    "fig11",
    "fig12",
    "months_revolved_by_year",
    "tabA1",
]


#: fig06's months-revolved categories: each count and the "some but not all" group.
MONTHS_REVOLVED_GROUPS: tuple[tuple[str, int, int], ...] = (
    *((str(m), m, m) for m in range(13)),
    ("1-11", 1, 11),
)

_F64 = "float64"
_I64 = "int64"


def _share(numerator: ir.IntegerValue, denominator: ir.IntegerValue) -> ir.FloatingValue:
    return ibis.ifelse(
        denominator > 0,
        numerator.cast(_F64) / denominator.cast(_F64),
        ibis.null(_F64),
    )


def _cells(
    t: ir.Table,
    table_id: str,
    measure: str,
    value: ir.Value,
    n_firms: ir.Value,
    suppressed: ir.BooleanValue | None = None,
) -> ir.Table:
    """One measure of ``t`` (already aggregated to the table's dimensions) in tidy form."""
    dims = TABLES[table_id].dims
    return t.select(
        *(t[d] for d in dims),
        measure=ibis.literal(measure),
        value=value.cast(_F64),
        n_firms=n_firms.fill_null(0).cast(_I64),
        suppressed=ibis.literal(False) if suppressed is None else suppressed.fill_null(False),
    )


def _share_cells(
    t: ir.Table,
    table_id: str,
    measure: str,
    counted: tuple[ir.IntegerValue, ir.IntegerValue],
    n_firms: ir.Value,
    firms: tuple[ir.IntegerValue, ir.IntegerValue],
    k: int,
) -> ir.Table:
    """A share ``counted[0] / counted[1]`` with ``n_firms`` behind it, marked suppressed
    when ``firms`` (the firms counted in, the firms counted out) holds a group of 1..k-1."""
    firms_in, firms_out = (f.fill_null(0) for f in firms)
    small = ((firms_in > 0) & (firms_in < k)) | ((firms_out > 0) & (firms_out < k))
    return _cells(t, table_id, measure, _share(*counted), n_firms, small)


def _union(parts: Sequence[ir.Table]) -> ir.Table:
    out = parts[0]
    for part in parts[1:]:
        out = out.union(part, distinct=False)
    return out


def _firms(t: ir.Table, dims: Sequence[str], where: ir.BooleanValue | None = None) -> ir.Value:
    """Distinct firms in a group of firm-months (optionally only rows where ``where``).

    Firm-month rows are unique per (firm_id, month), so when month is a dimension the row
    count is the distinct-firm count, and much cheaper than a count distinct.
    """
    if "month" in dims:
        return t.count(where=where)
    return t.firm_id.nunique(where=where)


def _revolving_cells(fm: ir.Table, table_id: str, k: int) -> ir.Table:
    """share_revolving and median_revolving_balance of firm-months grouped by the dims."""
    dims = list(TABLES[table_id].dims)
    known = fm.filter(fm.revolving.notnull())
    with_balance = known.revolving & known.revolving_balance.notnull()
    g = known.group_by(dims).agg(
        n_rev=known.revolving.cast(_I64).sum(),
        n_known=known.count(),
        firms_known=_firms(known, dims),
        firms_rev=_firms(known, dims, known.revolving),
        firms_not=_firms(known, dims, ~known.revolving),
        # ifelse, not median(where=): Ibis 12 compiles the latter on Spark into a
        # percentile whose fraction is not a constant, which Spark refuses.
        median_balance=ibis.ifelse(with_balance, known.revolving_balance, None).median(),
        firms_balance=_firms(known, dims, with_balance),
    )
    share = _share_cells(
        g,
        table_id,
        "share_revolving",
        (g.n_rev, g.n_known),
        g.firms_known,
        (g.firms_rev, g.firms_not),
        k,
    )
    median = _cells(g, table_id, "median_revolving_balance", g.median_balance, g.firms_balance)
    return _union([share, median])


def fig02(fm: ir.Table, settings: Settings) -> ir.Table:
    """Per month: share of firms revolving; median revolving balance of revolvers (2022 $).

    Share = firms revolving in any cycle with a statement in the month / firms with a
    known revolving status that month.
    """
    return _revolving_cells(fm, "fig02", settings.disclosure.k)


def _base_month(settings: Settings) -> dt.date:
    text = settings.results.index_base_month
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise ConfigError(
            f"results.index_base_month {text!r} is not a month. Hint: write it as YYYY-MM, "
            "e.g. --set results.index_base_month=2020-01"
        ) from None


def fig03(fm: ir.Table, settings: Settings) -> ir.Table:
    """Per month: median ADB (2022 $) and its index, base month (default 2020-01) = 100.

    The index cell describes both its month's and the base month's firms, so its
    n_firms is the smaller of the two (0 when the base month is absent: then the index is
    null and disclosure control marks it).
    """
    known = fm.filter(fm.adb.notnull())
    med = known.group_by("month").agg(median=known.adb.median(), firms=_firms(known, ["month"]))
    base = med.filter(med.month == ibis.literal(_base_month(settings)))
    base_value = base.median.max()
    base_firms = base.firms.max().fill_null(0)
    indexed = med.mutate(
        index=ibis.ifelse(base_value != 0, med.median / base_value * 100.0, ibis.null(_F64)),
        index_firms=ibis.least(med.firms, base_firms),
    )
    return _union(
        [
            _cells(indexed, "fig03", "median_adb", indexed.median, indexed.firms),
            _cells(indexed, "fig03", "median_adb_index", indexed.index, indexed.index_firms),
        ]
    )


def fig04(fm: ir.Table, settings: Settings) -> ir.Table:
    """fig02 split by the panel's size_class (annual revenue above vs at most $100,000)."""
    return _revolving_cells(fm, "fig04", settings.disclosure.k)


def fig05(fm: ir.Table, settings: Settings) -> ir.Table:
    """Per industry and year (default 2019 and 2022): share revolving; median balance.

    Firm-month level, pooled over the year: share = revolving firm-months / firm-months
    with a known status in the year (the average monthly share, which is what the
    report's "19% of health care firms revolved in 2022" measures: it is below the
    monthly all-industry share, not the 42% that revolved at least once); median over
    revolving firm-months. n_firms = distinct firms behind each cell.
    """
    years = [int(y) for y in settings.results.industry_years]
    return _revolving_cells(fm.filter(fm.year.isin(years)), "fig05", settings.disclosure.k)


def months_revolved_by_year(fm: ir.Table, settings: Settings) -> ir.Table:
    """Firm-years observed in at least ``results.min_months_observed`` months (fig06, fig07).

    A month is observed when the firm's revolving status is known in it. Columns:
    firm_id, year, months_observed, months_revolved.
    """
    known = fm.filter(fm.revolving.notnull())
    fy = known.group_by([known.firm_id, known.year]).agg(
        months_observed=known.count(),
        months_revolved=known.revolving.cast(_I64).sum(),
    )
    return fy.filter(fy.months_observed >= settings.results.min_months_observed)


def _groups_table() -> ir.Table:
    return ibis.memtable(
        pa.table(
            {
                "months_revolved": pa.array([g[0] for g in MONTHS_REVOLVED_GROUPS], pa.string()),
                "lo": pa.array([g[1] for g in MONTHS_REVOLVED_GROUPS], pa.int64()),
                "hi": pa.array([g[2] for g in MONTHS_REVOLVED_GROUPS], pa.int64()),
            }
        )
    )


def fig06(fm: ir.Table, settings: Settings) -> ir.Table:
    """Per year: share of firms by months revolved ("0".."12" and "1-11").

    Among firm-years observed in at least ``min_months_observed`` months (default all
    12). Every year has all 14 rows. n_firms = the firms of the year (the denominator).
    """
    fy = months_revolved_by_year(fm, settings)
    counts = fy.group_by([fy.year, fy.months_revolved]).agg(firms=fy.count())
    totals = counts.group_by(counts.year).agg(total=counts.firms.sum())
    groups = _groups_table()
    grid = totals.cross_join(groups)
    c = counts.rename(c_year="year", mr="months_revolved")
    joined = grid.left_join(c, [grid.year == c.c_year, c.mr >= grid.lo, c.mr <= grid.hi])
    g = joined.group_by([joined.year, joined.months_revolved, joined.total]).agg(
        in_group=joined.firms.sum().fill_null(0)
    )
    # firm-years: each firm counts once a year, so in_group is a count of firms
    return _share_cells(
        g,
        "fig06",
        "share_of_firms",
        (g.in_group, g.total),
        g.total,
        (g.in_group, g.total - g.in_group),
        settings.disclosure.k,
    )


def fig07(fm: ir.Table, settings: Settings) -> ir.Table:
    """Per months revolved in year t (0-12): share revolving 0 and 12 months in t+1.

    Among firms observed at least ``min_months_observed`` months in both t and t+1,
    pooled over every pair of consecutive years. The value is a share of firm-year
    pairs; n_firms = the distinct firms among those pairs. All 13 rows always.
    """
    fy = months_revolved_by_year(fm, settings)
    nxt = fy.select(n_firm=fy.firm_id, n_year=fy.year, n_mr=fy.months_revolved)
    pairs = fy.join(nxt, [fy.firm_id == nxt.n_firm, fy.year + 1 == nxt.n_year])
    g = pairs.group_by(pairs.months_revolved).agg(
        pairs=pairs.count(),
        zero=(pairs.n_mr == 0).cast(_I64).sum(),
        twelve=(pairs.n_mr == 12).cast(_I64).sum(),
        firms=pairs.firm_id.nunique(),
        firms_zero=pairs.firm_id.nunique(where=pairs.n_mr == 0),
        firms_not_zero=pairs.firm_id.nunique(where=pairs.n_mr != 0),
        firms_twelve=pairs.firm_id.nunique(where=pairs.n_mr == 12),
        firms_not_twelve=pairs.firm_id.nunique(where=pairs.n_mr != 12),
    )
    grid = ibis.memtable(pa.table({"g_mr": pa.array(range(13), pa.int64())}))
    full = grid.left_join(g, grid.g_mr == g.months_revolved)
    full = full.select(
        months_revolved=full.g_mr.cast("string"),
        pairs=full.pairs.fill_null(0),
        zero=full.zero.fill_null(0),
        twelve=full.twelve.fill_null(0),
        firms=full.firms.fill_null(0),
        firms_zero=full.firms_zero.fill_null(0),
        firms_not_zero=full.firms_not_zero.fill_null(0),
        firms_twelve=full.firms_twelve.fill_null(0),
        firms_not_twelve=full.firms_not_twelve.fill_null(0),
    )
    k = settings.disclosure.k
    return _union(
        [
            _share_cells(
                full,
                "fig07",
                "share_revolving_0_next_year",
                (full.zero, full.pairs),
                full.firms,
                (full.firms_zero, full.firms_not_zero),
                k,
            ),
            _share_cells(
                full,
                "fig07",
                "share_revolving_12_next_year",
                (full.twelve, full.pairs),
                full.firms,
                (full.firms_twelve, full.firms_not_twelve),
                k,
            ),
        ]
    )


def fig10(fm: ir.Table, settings: Settings) -> ir.Table:
    """Per month, among revolving firm-months: could they have paid in full from cash?

    share_adb_covers_balance: ADB >= statement balance (every revolving cycle of the
    month). share_covers_and_keeps_buffer: ADB - B >= buffer_days_threshold (15) x
    average daily outflows, the panel's ``avg_daily_outflows_real`` (trailing-365-day
    outflows / days with data in the window, the denominator of cash buffer days).
    Denominators are the revolvers for which each condition is known.
    """
    rev = fm.filter(fm.revolving)
    month = ["month"]
    g = rev.group_by("month").agg(
        covers=rev.covers.cast(_I64).sum(),
        covers_known=rev.covers.count(),
        covers_firms=_firms(rev, month, rev.covers.notnull()),
        covers_in=_firms(rev, month, rev.covers),
        covers_out=_firms(rev, month, ~rev.covers),
        keeps=rev.keeps_buffer.cast(_I64).sum(),
        keeps_known=rev.keeps_buffer.count(),
        keeps_firms=_firms(rev, month, rev.keeps_buffer.notnull()),
        keeps_in=_firms(rev, month, rev.keeps_buffer),
        keeps_out=_firms(rev, month, ~rev.keeps_buffer),
    )
    k = settings.disclosure.k
    return _union(
        [
            _share_cells(
                g,
                "fig10",
                "share_adb_covers_balance",
                (g.covers, g.covers_known),
                g.covers_firms,
                (g.covers_in, g.covers_out),
                k,
            ),
            _share_cells(
                g,
                "fig10",
                "share_covers_and_keeps_buffer",
                (g.keeps, g.keeps_known),
                g.keeps_firms,
                (g.keeps_in, g.keeps_out),
                k,
            ),
        ]
    )


def fig11(fm: ir.Table, settings: Settings) -> ir.Table:
    """Per month: median cash buffer days of revolving and of transacting firm-months."""
    known = fm.filter(fm.revolving.notnull() & fm.cash_buffer_days.notnull())
    known = known.mutate(group=ibis.ifelse(known.revolving, REVOLVERS, TRANSACTORS))
    g = known.group_by(["month", "group"]).agg(
        median=known.cash_buffer_days.median(), firms=_firms(known, ["month", "group"])
    )
    return _cells(g, "fig11", "median_cash_buffer_days", g.median, g.firms)


def buffer_group_labels(threshold: float) -> tuple[str, str]:
    """fig12's two group labels for a threshold, e.g. ('<= 15 days', '> 15 days')."""
    return (f"<= {threshold:g} days", f"> {threshold:g} days")


def fig12(fm: ir.Table, settings: Settings) -> ir.Table:
    """Per month, buffer days <= vs > threshold (15): share revolving; median balance.

    The group follows the firm-month's cash buffer days; firm-months without buffer days
    (too little history) are in neither group.
    """
    threshold = float(settings.results.buffer_days_threshold)
    low, high = buffer_group_labels(threshold)
    fm = fm.filter(fm.cash_buffer_days.notnull())
    fm = fm.mutate(buffer_group=ibis.ifelse(fm.cash_buffer_days <= threshold, low, high))
    return _revolving_cells(fm, "fig12", settings.disclosure.k)


def tabA1(fm: ir.Table, settings: Settings) -> ir.Table:
    """Per industry: firms, and median annual revenue (2022 $).

    A firm's annual revenue is its panel ``annual_revenue_real`` per calendar year of the
    statement dates. Default basis (``results.tabA1_revenue_year = 2022``, as the report's
    Table A1): that year's revenue of the firms seen in it, then the median over the
    industry's firms. With ``"all"``: each firm's median over its years, then the median
    over the industry's firms. ``firms`` counts the distinct firms of the industry (in that
    year when one is set).
    """
    year = settings.results.tabA1_revenue_year
    if year != "all":
        fm = fm.filter(fm.year == int(year))
    fy = fm.group_by([fm.firm_id, fm.industry, fm.year]).agg(revenue=fm.annual_revenue.max())
    firm = fy.group_by([fy.firm_id, fy.industry]).agg(revenue=fy.revenue.median())
    g = firm.group_by(firm.industry).agg(
        firms=firm.count(),  # one row per firm (and industry)
        median=firm.revenue.median(),
        revenue_firms=firm.count(where=firm.revenue.notnull()),
    )
    return _union(
        [
            _cells(g, "tabA1", "firms", g.firms, g.firms),
            _cells(g, "tabA1", "median_annual_revenue", g.median, g.revenue_firms),
        ]
    )


def cashflow(fm: ir.Table, settings: Settings) -> ir.Table:
    """Per month, over every firm-month (card or not): median cash buffer days and the
    median monthly revenues, expenses, net cash flow and total outflows (real money).

    The deposit side of the report for every firm; a bank without card data gets this
    table with fig03 (deposit-only mode). n_firms = the firms whose values entered the
    median.
    """
    parts = []
    for column, measure in (
        ("cash_buffer_days", "median_cash_buffer_days"),
        ("revenues", "median_revenues"),
        ("expenses", "median_expenses"),
        ("net_cash_flow", "median_net_cash_flow"),
        ("total_outflows", "median_total_outflows"),
    ):
        known = fm.filter(fm[column].notnull())
        g = known.group_by("month").agg(
            median=known[column].median(), firms=_firms(known, ["month"])
        )
        parts.append(_cells(g, "cashflow", measure, g.median, g.firms))
    return _union(parts)
