"""Firm-months: the unit of every monthly result table (one row per firm and statement month)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

__all__ = [
    "MONTH_FLOWS",
    "RESULT_INPUT_COLUMNS",
    "REVOLVERS",
    "TRANSACTORS",
    "UNKNOWN",
    "firm_months",
]

_F64 = "float64"
_I64 = "int64"


#: Panel columns the result tables read (a subset of the panel schema).
RESULT_INPUT_COLUMNS: tuple[str, ...] = (
    "firm_id",
    "statement_date",
    "revolving",
    "revolving_balance_real",
    "statement_balance_real",
    "adb_real",
    "cash_buffer_days",
    "avg_daily_outflows_real",
    "industry",
    "annual_revenue_real",
    "size_class",
)


#: Deposit flows of the panel (``<name>_real``) that firm-months sum when present.
MONTH_FLOWS: tuple[str, ...] = ("revenues", "expenses", "net_cash_flow", "total_outflows")

REVOLVERS = "revolvers"


TRANSACTORS = "transactors"


UNKNOWN = "unknown"


def firm_months(panel: ir.Table, *, buffer_days_threshold: float = 15.0) -> ir.Table:
    """One row per firm and calendar month of statement date, the unit of the monthly tables.

    Columns: firm_id, month (date, first of month), year, industry, size_class (nulls as
    'unknown'), revolving (true/false, null when no cycle of the month has a known
    status), revolving_balance (largest of the month's revolving cycles, 2022 $), adb
    (mean, 2022 $), cash_buffer_days (mean), annual_revenue (the firm-year's, 2022 $),
    covers (every revolving cycle of the month had ADB >= statement balance),
    keeps_buffer (every revolving cycle had ADB - B >= ``buffer_days_threshold`` x average
    daily outflows; see :func:`fig10`).
    ``covers``/``keeps_buffer`` are null for firm-months that did not revolve.
    revenues, expenses, net_cash_flow, total_outflows: the sums over the month's cycles
    (real money; null when the panel has no such column).
    """
    p = panel.mutate(month=panel.statement_date.truncate("M"))
    rev = p.revolving
    flows = {
        c: (p[f"{c}_real"].sum() if f"{c}_real" in p.columns else ibis.null(_F64))
        for c in MONTH_FLOWS
    }
    agg = p.group_by([p.firm_id, p.month]).agg(
        n_known=rev.count(),
        n_revolving=rev.cast(_I64).sum(),
        revolving_balance=p.revolving_balance_real.max(where=rev),
        adb=p.adb_real.mean(),
        cash_buffer_days=p.cash_buffer_days.mean(),
        industry=p.industry.max(),
        size_class=p.size_class.max(),
        annual_revenue=p.annual_revenue_real.max(),
        covers_min=(p.adb_real >= p.statement_balance_real).cast("int8").min(where=rev),
        keeps_min=_keeps_buffer_expr(p, buffer_days_threshold).cast("int8").min(where=rev),
        **flows,
    )
    return agg.select(
        agg.firm_id,
        agg.month,
        year=agg.month.year().cast(_I64),
        industry=agg.industry.fill_null(UNKNOWN),
        size_class=agg.size_class.cast("string").fill_null(UNKNOWN),
        revolving=ibis.ifelse(agg.n_known > 0, agg.n_revolving > 0, ibis.null("boolean")),
        revolving_balance=agg.revolving_balance.cast(_F64),
        adb=agg.adb.cast(_F64),
        cash_buffer_days=agg.cash_buffer_days.cast(_F64),
        annual_revenue=agg.annual_revenue.cast(_F64),
        covers=agg.covers_min == 1,
        keeps_buffer=agg.keeps_min == 1,
        **{c: agg[c].cast(_F64) for c in MONTH_FLOWS},
    )


def _keeps_buffer_expr(p: ir.Table, threshold: float) -> ir.BooleanValue:
    """Per cycle: could pay the statement from ADB and keep ``threshold`` buffer days.

    ADB - B >= threshold x average daily outflows, the average daily outflows being the
    panel's ``avg_daily_outflows_real`` (trailing-window outflows / days, the denominator
    of cash buffer days; 2022 $). A null ADB, balance or average daily outflows (e.g. too
    little history) gives null.
    """
    adb = p.adb_real
    b = p.statement_balance_real
    out = p.avg_daily_outflows_real
    return ibis.ifelse(
        adb.isnull() | b.isnull() | out.isnull(),
        ibis.null("boolean"),
        adb - b >= out * float(threshold),
    )
