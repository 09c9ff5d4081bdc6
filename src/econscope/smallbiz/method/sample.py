"""The study sample and its funnel (DESIGN.md, method step 1).

Three filters, in this order, each counted in firms and in rows (card statements):

1. ``active``: in every calendar month of the firm's activity window, at least
   ``settings.sample.min_monthly_transactions`` deposit transactions and
   ``settings.sample.min_monthly_outflows`` dollars of total outflows (own-account
   transfers excluded from both). The window is every month from the firm's first to its
   last card statement (any card); a firm without statements uses the months of its
   deposit data (first account opening to last deposit activity).
2. ``small``: average annual revenue below ``settings.sample.max_annual_revenue``, where
   average annual revenue = revenues over the firm's days with data x 365 / those days.
3. ``one_card``: exactly ``settings.sample.cards_per_firm`` business cards.

>>> FUNNEL_COLUMNS[:4]
('step', 'filter', 'description', 'firms_before')
"""

from __future__ import annotations

from collections.abc import Mapping

import ibis
import ibis.expr.types as ir

from econscope.config import Settings
from econscope.smallbiz.method.calendar import to_day, year_month

__all__ = ["FILTERS", "FUNNEL_COLUMNS", "firm_status", "funnel"]

FUNNEL_COLUMNS: tuple[str, ...] = (
    "step",
    "filter",
    "description",
    "firms_before",
    "firms_after",
    "firms_dropped",
    "rows_before",
    "rows_after",
    "rows_dropped",
)


def _descriptions(settings: Settings) -> dict[str, str]:
    s = settings.sample
    return {
        "active": (
            f"every month from first to last card statement has >= "
            f"{s.min_monthly_transactions} deposit transactions and >= "
            f"${s.min_monthly_outflows:,.0f} of outflows"
        ),
        "small": f"average annual revenue below ${s.max_annual_revenue:,.0f}",
        "one_card": f"exactly {s.cards_per_firm} business card(s)",
    }


#: Filter names in the order they apply.
FILTERS: tuple[str, ...] = ("active", "small", "one_card")


def firm_status(
    tables: Mapping[str, ir.Table], months: ir.Table, spans: ir.Table, settings: Settings
) -> ir.Table:
    """One row per firm of ``firms``: n_cards, n_statements and a boolean per filter.

    ``months`` is :func:`econscope.smallbiz.method.cashflow.firm_months`, ``spans``
    :func:`econscope.smallbiz.method.cashflow.firm_spans`.

    Columns: firm_id, n_cards, n_statements, active, small, one_card, in_sample.
    """
    cfg = settings.sample
    firms = tables["firms"].select("firm_id").distinct()
    cards = tables["card_accounts"]
    stmts = tables["card_statements"].join(cards.select("card_id", "firm_id"), "card_id")
    per_stmt = stmts.group_by("firm_id").aggregate(
        n_statements=stmts.count(),
        first_day=to_day(stmts.statement_date).min(),
        last_day=to_day(stmts.statement_date).max(),
    )
    n_cards = cards.group_by("firm_id").aggregate(n_cards=cards.card_id.nunique())

    monthly = months.select("firm_id", "ym", n=months.n_transactions, out=months.total_outflows)
    revenue = months.group_by("firm_id").aggregate(revenue=months.revenues.sum())

    s = firms.left_join(per_stmt, "firm_id").left_join(n_cards, "firm_id")
    s = s.left_join(spans, "firm_id").left_join(revenue, "firm_id")
    s = s.select(
        "firm_id",
        n_cards=s.n_cards.fill_null(0),
        n_statements=s.n_statements.fill_null(0),
        lo=year_month(ibis.coalesce(s.first_day, s.data_start)),
        hi=year_month(ibis.coalesce(s.last_day, s.data_last)),
        avg_revenue=s.revenue.fill_null(0.0)
        * 365.0
        / (s.data_last - s.data_start + 1).cast("float64"),
    )
    m = s.select("firm_id", "lo", "hi").join(monthly, "firm_id")
    good = m.filter(
        (m.ym >= m.lo)
        & (m.ym <= m.hi)
        & (m.n >= cfg.min_monthly_transactions)
        & (m.out >= cfg.min_monthly_outflows)
    )
    good = good.group_by("firm_id").aggregate(good_months=good.count())
    s = s.left_join(good, "firm_id")
    if cfg.min_monthly_transactions <= 0 and cfg.min_monthly_outflows <= 0:
        active = s.lo.notnull()  # a month without any transaction also passes
    else:
        active = (s.good_months.fill_null(0) == s.hi - s.lo + 1).fill_null(False)
    small = (s.avg_revenue < cfg.max_annual_revenue).fill_null(False)
    one_card = s.n_cards == cfg.cards_per_firm
    return s.select(
        "firm_id",
        "n_cards",
        "n_statements",
        active=active,
        small=small,
        one_card=one_card,
        in_sample=active & small & one_card,
    )


def funnel(status: ir.Table, settings: Settings) -> ir.Table:
    """The sample funnel: one row per filter with firms and rows before, after, dropped.

    Rows are card statements of the firms remaining. Columns: :data:`FUNNEL_COLUMNS`.
    """
    keep = [ibis.literal(True)]
    for name in FILTERS:
        keep.append(keep[-1] & status[name])
    counts = status.aggregate(
        **{f"f{i}": status.firm_id.count(where=k) for i, k in enumerate(keep)},
        **{f"r{i}": status.n_statements.sum(where=k) for i, k in enumerate(keep)},
    )
    desc = _descriptions(settings)
    rows = []
    for i, name in enumerate(FILTERS):
        fb, fa = counts[f"f{i}"].cast("int64"), counts[f"f{i + 1}"].cast("int64")
        rb = counts[f"r{i}"].fill_null(0).cast("int64")
        ra = counts[f"r{i + 1}"].fill_null(0).cast("int64")
        rows.append(
            counts.select(
                step=ibis.literal(i + 1, "int64"),
                filter=ibis.literal(name),
                description=ibis.literal(desc[name]),
                firms_before=fb,
                firms_after=fa,
                firms_dropped=fb - fa,
                rows_before=rb,
                rows_after=ra,
                rows_dropped=rb - ra,
            )
        )
    return ibis.union(*rows, distinct=False)
