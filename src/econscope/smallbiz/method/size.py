"""Firm size (method step 5): annual revenue from deposit inflows per year, and the size class."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from econscope.config import Settings
from econscope.smallbiz.method.calendar import to_day
from econscope.smallbiz.method.prices import deflate

__all__ = ["FIRM_YEAR_COLUMNS", "firm_years", "size_class"]


FIRM_YEAR_COLUMNS: tuple[str, ...] = (
    "firm_id",
    "year",
    "industry",
    "revenue",
    "days_with_data",
    "days_in_year",
    "annual_revenue",
    "size_class",
    "annual_revenue_real",
)


def size_class(revenue: ir.FloatingValue, settings: Settings) -> ir.StringValue:
    large = revenue > settings.size.large_revenue_threshold
    return ibis.cases((large, "large"), (~large, "small"), else_=ibis.null("string"))


def firm_years(
    months: ir.Table, spans: ir.Table, industries: ir.Table, settings: Settings
) -> ir.Table:
    """Revenue per firm and calendar year from deposits, the size class and the industry.

    A firm-year is a calendar year with at least one deposit transaction (own-account
    transfers aside).

    ``revenue`` sums the year's operating inflows; ``days_with_data`` counts the year's
    days between the firm's first account opening and its last deposit activity;
    ``annual_revenue`` is ``revenue x days_in_year / days_with_data`` when
    ``settings.size.annualize_partial_years`` (else ``revenue``); size_class is "large"
    when annual_revenue > ``settings.size.large_revenue_threshold``, else "small".
    """
    d = months.mutate(year=(months.ym // 12).cast("int64"))
    rev = d.group_by("firm_id", "year").aggregate(
        revenue=d.revenues.sum(), n=d.n_transactions.sum()
    )
    rev = rev.filter(rev.n > 0).drop("n")
    y = rev.join(spans, "firm_id")
    jan1 = to_day(ibis.date(y.year, 1, 1))
    next_jan1 = to_day(ibis.date(y.year + 1, 1, 1))
    lo = ibis.greatest(jan1, y.data_start)
    hi = ibis.least(next_jan1 - 1, y.data_last)
    y = y.mutate(days_with_data=(hi - lo + 1).cast("int64"), days_in_year=next_jan1 - jan1)
    y = y.filter(y.days_with_data > 0)
    scale = y.days_in_year.cast("float64") / y.days_with_data.cast("float64")
    annual = y.revenue * scale if settings.size.annualize_partial_years else y.revenue
    y = y.mutate(annual_revenue=annual).join(industries, "firm_id")
    y = y.mutate(size_class=size_class(y.annual_revenue, settings))
    y = deflate(y, ["annual_revenue"], settings, year="year", month=None)
    return y.select(*FIRM_YEAR_COLUMNS)
