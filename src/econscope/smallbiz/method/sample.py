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
from econscope.smallbiz.tables import money

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


def _descriptions(settings: Settings, deposits_only: bool = False) -> dict[str, str]:
    s = settings.sample
    if deposits_only:
        return {
            "active": (
                f"every month of the firm's deposit data has >= {s.min_monthly_transactions} "
                f"deposit transactions and >= {money(s.min_monthly_outflows, settings)} "
                "of outflows"
            ),
            "small": f"average annual revenue below {money(s.max_annual_revenue, settings)}",
            "one_card": "not applied: deposit-only panel (no card data)",
        }
    return {
        "active": (
            f"every month from first to last card statement has >= "
            f"{s.min_monthly_transactions} deposit transactions and >= "
            f"{money(s.min_monthly_outflows, settings)} of outflows"
        ),
        "small": f"average annual revenue below {money(s.max_annual_revenue, settings)}",
        "one_card": f"exactly {s.cards_per_firm} business card(s)",
    }


#: Filter names in the order they apply.
FILTERS: tuple[str, ...] = ("active", "small", "one_card")


def firm_status(
    tables: Mapping[str, ir.Table],
    months: ir.Table,
    spans: ir.Table,
    settings: Settings,
    *,
    deposits_only: bool = False,
) -> ir.Table:
    """One row per firm of ``firms``: n_cards, n_statements and a boolean per filter.

    ``months`` is :func:`econscope.smallbiz.method.cashflow.firm_months`, ``spans``
    :func:`econscope.smallbiz.method.cashflow.firm_spans`.

    Columns: firm_id, n_cards, n_statements, active, small, one_card, in_sample.

    ``deposits_only``: no card data: the window is the firm's deposit months,
    ``n_statements`` counts those months (the rows of a deposit-only panel) and
    ``one_card`` is not applied (true).
    """
    cfg = settings.sample
    firms = tables["firms"].select("firm_id").distinct()
    if deposits_only:
        return _deposit_status(firms, months, spans, settings)
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


def _activity(s: ir.Table, monthly: ir.Table, settings: Settings) -> ir.BooleanValue:
    cfg = settings.sample
    m = s.select("firm_id", "lo", "hi").join(monthly, "firm_id")
    good = m.filter(
        (m.ym >= m.lo)
        & (m.ym <= m.hi)
        & (m.n >= cfg.min_monthly_transactions)
        & (m.out >= cfg.min_monthly_outflows)
    )
    return good.group_by("firm_id").aggregate(good_months=good.count())


def _deposit_status(
    firms: ir.Table, months: ir.Table, spans: ir.Table, settings: Settings
) -> ir.Table:
    cfg = settings.sample
    monthly = months.select("firm_id", "ym", n=months.n_transactions, out=months.total_outflows)
    revenue = months.group_by("firm_id").aggregate(revenue=months.revenues.sum())
    s = firms.left_join(spans, "firm_id").left_join(revenue, "firm_id")
    s = s.select(
        "firm_id",
        lo=year_month(s.data_start),
        hi=year_month(s.data_last),
        avg_revenue=s.revenue.fill_null(0.0)
        * 365.0
        / (s.data_last - s.data_start + 1).cast("float64"),
    )
    s = s.left_join(_activity(s, monthly, settings), "firm_id")
    n_months = (s.hi - s.lo + 1).fill_null(0)
    if cfg.min_monthly_transactions <= 0 and cfg.min_monthly_outflows <= 0:
        active = s.lo.notnull()
    else:
        active = (s.good_months.fill_null(0) == n_months).fill_null(False) & s.lo.notnull()
    small = (s.avg_revenue < cfg.max_annual_revenue).fill_null(False)
    return s.select(
        "firm_id",
        n_cards=ibis.literal(0, "int64"),
        n_statements=n_months.cast("int64"),
        active=active,
        small=small,
        one_card=ibis.literal(True),
        in_sample=active & small,
    )


def funnel(status: ir.Table, settings: Settings, *, deposits_only: bool = False) -> ir.Table:
    """The sample funnel: one row per filter with firms and rows before, after, dropped.

    Rows are card statements of the firms remaining (firm-months in a deposit-only
    panel). Columns: :data:`FUNNEL_COLUMNS`.
    """
    keep = [ibis.literal(True)]
    for name in FILTERS:
        keep.append(keep[-1] & status[name])
    counts = status.aggregate(
        **{f"f{i}": status.firm_id.count(where=k) for i, k in enumerate(keep)},
        **{f"r{i}": status.n_statements.sum(where=k) for i, k in enumerate(keep)},
    )
    desc = _descriptions(settings, deposits_only)
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
