"""Average daily balances (method step 3): the mean end-of-day balance over a cycle's days.

The balance-days integrals J come from :func:`econscope.smallbiz.method.cashflow.cycle_deposits`;
the ADB over the days (a, b] is ``(J(b) - J(a)) / (b - a)`` (the integral is explained in
:mod:`econscope.smallbiz.method.cashflow`).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

__all__ = ["cycle_adb"]


def cycle_adb(points: ir.Table) -> ir.Value:
    """ADB over the cycle's days with data, (J(end) - J(flow_lo)) / (end - flow_lo), from
    :func:`cycle_deposits` columns ``j_end``, ``j_cycle`` and the cycle's ``flow_lo`` (the
    day before its first day with data); null when the cycle has no day with data."""
    days = points.statement_day - points.flow_lo
    return ibis.ifelse(
        days > 0, (points.j_end - points.j_cycle) / days.cast("float64"), ibis.null("float64")
    )
