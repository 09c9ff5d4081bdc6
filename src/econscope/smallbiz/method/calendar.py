"""Days and months inside the pipeline: integers (days since 1970-01-01), converted at the edges.

>>> import datetime as dt
>>> import ibis
>>> con = ibis.duckdb.connect()
>>> con.to_pyarrow(to_day(ibis.date(dt.date(1970, 1, 31)))).as_py()
30
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

__all__ = ["EPOCH", "to_date", "to_day", "year_month"]

EPOCH = ibis.date(1970, 1, 1)


def to_day(value: ir.DateValue) -> ir.IntegerValue:
    """Days since 1970-01-01 of a date (an int64 column)."""
    return value.delta(EPOCH, unit="day").cast("int64")


def to_date(day: ir.IntegerValue) -> ir.DateValue:
    """The date of a day number (inverse of :func:`to_day`)."""
    # Ibis types date + interval as a date and drops a cast to date, but DuckDB returns a
    # timestamp: the round trip through timestamp makes the engine's column a real date.
    return (EPOCH + day.as_interval("D")).cast("timestamp").cast("date")


def year_month(day: ir.IntegerValue) -> ir.IntegerValue:
    d = EPOCH + day.as_interval("D")  # year and month only: no need for a true date
    return (d.year() * 12 + d.month() - 1).cast("int64")
