"""Cash buffer days at each statement date (DESIGN.md, method step 4).

Cash buffer days = ADB over the trailing window / (total outflows over the window / days):
how many days of the firm's typical outflows its balance would cover. The window is the
``settings.buffer.window_days`` (365) calendar days ending on the statement date, cut to
the firm's days with data (from its first deposit account's open date). With fewer than
``settings.buffer.min_history_days`` days with data the value is missing; it is missing
(never infinite) when the window has no outflows. Since ADB = J / days and the daily
outflow rate = outflows / days over the same days, buffer days = J / outflows, where J is
the balance-days integral of the window; multiplying all money by a constant leaves it
unchanged. :func:`avg_daily_outflows` is the denominator, outflows / days over the same
window (money per day; missing exactly when buffer days are).

>>> import ibis, pyarrow as pa
>>> from econscope.config import Settings
>>> t = ibis.memtable(pa.table({"statement_day": [400], "buf_lo": [35], "j_end": [3650.0],
...     "j_buf": [0.0], "out_end": [365.0], "out_buf": [0.0], "nout_end": [12],
...     "nout_buf": [0]}))
>>> ibis.duckdb.connect().to_pyarrow(buffer_days(t, Settings())).to_pylist()
[10.0]
>>> ibis.duckdb.connect().to_pyarrow(avg_daily_outflows(t, Settings())).to_pylist()
[1.0]
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from econscope.config import Settings

__all__ = ["avg_daily_outflows", "buffer_days", "buffer_lo"]


def buffer_lo(cycles: ir.Table, settings: Settings) -> ir.IntegerValue:
    """The day before the buffer window: max(statement - window + 1, data_start) - 1."""
    first = cycles.statement_day - (settings.buffer.window_days - 1)
    return ibis.greatest(first, cycles.data_start) - 1


def _window_ok(points: ir.Table, settings: Settings) -> ir.BooleanValue:
    """Enough days with data in the window, and some outflows."""
    days = points.statement_day - points.buf_lo
    n_out = points.nout_end - points.nout_buf
    outflows = points.out_end - points.out_buf
    return (days >= settings.buffer.min_history_days) & (n_out > 0) & (outflows > 0)


def buffer_days(points: ir.Table, settings: Settings) -> ir.FloatingValue:
    """Cash buffer days from :func:`econscope.smallbiz.method.cashflow.cycle_deposits` columns.

    Needs statement_day, buf_lo, j_end, j_buf, out_end, out_buf, nout_end, nout_buf.
    """
    outflows = points.out_end - points.out_buf
    ok = _window_ok(points, settings)
    return ibis.ifelse(ok, (points.j_end - points.j_buf) / outflows, ibis.null("float64"))


def avg_daily_outflows(points: ir.Table, settings: Settings) -> ir.FloatingValue:
    """Average daily outflows of the buffer window: total outflows / days of the window
    used (the denominator of :func:`buffer_days`); null when buffer days are null.

    Same columns as :func:`buffer_days`.
    """
    days = (points.statement_day - points.buf_lo).cast("float64")
    outflows = points.out_end - points.out_buf
    ok = _window_ok(points, settings)
    return ibis.ifelse(ok, outflows / days, ibis.null("float64"))
