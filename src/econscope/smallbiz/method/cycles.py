"""Billing cycles and revolving balances: the report's Box 1, made precise.

For card statement t with balance B_t, the credits P_t are the card's credits (payments,
and refunds when ``settings.cycles.refunds_as_credits``) posted after statement t up to
and including statement t+1. The cycle *revolves* when B_t > 0 and P_t < B_t, and its
revolving balance is B_t - P_t; otherwise the card is a transactor that cycle (also when
B_t <= 0) and its revolving balance is 0. The last statement of a card has no t+1 yet:
its credits, flag and revolving balance are null (unknown, not a transactor).

The report's own example: $100 on June 15, $80 paid between June 16 and July 15 (the next
statement) revolves with $20; a payment dated June 15 belongs to the cycle before.

>>> import datetime as dt
>>> import ibis, pyarrow as pa
>>> from econscope.config import Settings
>>> cards = ibis.memtable(pa.table({"card_id": ["c"], "firm_id": ["f"],
...     "open_date": [dt.date(2021, 1, 1)]}))
>>> st = ibis.memtable(pa.table({"card_id": ["c", "c"], "statement_balance": [100.0, 0.0],
...     "statement_date": [dt.date(2022, 6, 15), dt.date(2022, 7, 15)]}))
>>> tx = ibis.memtable(pa.table({"card_id": ["c"], "posted_date": [dt.date(2022, 7, 1)],
...     "amount": [80.0], "kind": ["payment"]}))
>>> out = ibis.duckdb.connect().to_pyarrow(
...     billing_cycles(cards, st, tx, Settings()).order_by("statement_day"))
>>> out.select(["revolving", "revolving_balance"]).to_pylist()[0]
{'revolving': True, 'revolving_balance': 20.0}
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from econscope.config import Settings
from econscope.smallbiz.method.calendar import to_day, year_month

__all__ = ["billing_cycles", "calendar_cycles", "cycle_credits"]


def cycle_credits(
    card_transactions: ir.Table, statements: ir.Table, settings: Settings
) -> ir.Table:
    """Credits of each card assigned to the statement that closes the cycle they fall in.

    ``statements`` has card_id, statement_day. A credit posted on day d belongs to the
    first statement on or after d (a credit on a statement day counts for the cycle that
    statement closes). Returns card_id, closing_day, credits; credits posted after a
    card's last statement have no closing statement and are left out.
    """
    kinds = settings.cycles.credit_kinds
    c = card_transactions.filter(card_transactions.kind.isin(kinds))
    c = c.group_by("card_id", day=to_day(c.posted_date)).aggregate(
        credits=c.amount.cast("float64").sum(), stmt=ibis.null("int64")
    )
    markers = statements.select(
        "card_id", day="statement_day", credits=ibis.literal(0.0), stmt="statement_day"
    )
    u = ibis.union(c, markers, distinct=False)
    w = ibis.window(group_by="card_id", order_by="day", range=(0, None))
    u = u.mutate(closing_day=u.stmt.min().over(w))
    u = u.filter(u.stmt.isnull() & u.closing_day.notnull())
    return u.group_by("card_id", "closing_day").aggregate(credits=u.credits.sum())


def billing_cycles(
    card_accounts: ir.Table,
    card_statements: ir.Table,
    card_transactions: ir.Table,
    settings: Settings,
) -> ir.Table:
    """One row per card statement: the cycle, its credits and the Box 1 revolving flag.

    Columns: card_id, firm_id, statement_day, start_day, next_day (null for the card's
    last statement), statement_balance, credits_next_cycle, revolving, revolving_balance.

    The cycle of statement t covers (statement t-1, statement t], so start_day is the day
    after the previous statement. A card's first cycle starts the day after the same day
    of the previous month (clamped to the month's end: March 31 -> February 29 + 1 day),
    or on the card's open date when that is later.
    """
    s = card_statements.join(card_accounts.select("card_id", "firm_id", "open_date"), "card_id")
    s = s.select(
        "card_id",
        "firm_id",
        statement_day=to_day(s.statement_date),
        first_start=ibis.greatest(
            to_day(s.open_date), to_day(s.statement_date - ibis.interval(months=1)) + 1
        ),
        statement_balance=s.statement_balance.cast("float64"),
    )
    w = ibis.window(group_by="card_id", order_by="statement_day")
    s = s.mutate(prev_day=s.statement_day.lag().over(w), next_day=s.statement_day.lead().over(w))
    s = s.mutate(start_day=ibis.coalesce(s.prev_day + 1, s.first_start))
    credits = cycle_credits(card_transactions, s.select("card_id", "statement_day"), settings)
    j = s.left_join(
        credits, [s.card_id == credits.card_id, s.next_day == credits.closing_day]
    ).select(*s.columns, "credits")
    known = j.next_day.notnull()
    paid = ibis.ifelse(known, j.credits.fill_null(0.0), ibis.null("float64"))
    balance = j.statement_balance
    revolving = ibis.ifelse(known, (balance > 0) & (paid < balance), ibis.null("boolean"))
    revolving_balance = ibis.cases(
        (~known, ibis.null("float64")), (revolving, balance - paid), else_=0.0
    )
    return j.select(
        "card_id",
        "firm_id",
        "statement_day",
        "start_day",
        "next_day",
        "statement_balance",
        credits_next_cycle=paid,
        revolving=revolving,
        revolving_balance=revolving_balance,
    )


def calendar_cycles(spans: ir.Table) -> ir.Table:
    """Deposit-only mode: one cycle per firm and calendar month, from the month of the
    firm's first day with data to the month of its last, with :func:`billing_cycles`'
    columns (card_id is the firm_id, the key the cycle computations group by; every card
    column is null).

    >>> import ibis, pyarrow as pa
    >>> spans = ibis.memtable(pa.table({"firm_id": ["f"], "data_start": [8431],
    ...     "data_last": [8470]}))  # 1993-01-31 .. 1993-03-11
    >>> out = ibis.duckdb.connect().to_pyarrow(calendar_cycles(spans).order_by("start_day"))
    >>> [(r["start_day"], r["statement_day"]) for r in out.to_pylist()]
    [(8401, 8431), (8432, 8459), (8460, 8490)]
    """
    s = spans.select("firm_id", lo=year_month(spans.data_start), hi=year_month(spans.data_last))
    m = s.select("firm_id", ym=ibis.range(s.lo, s.hi + 1).unnest().cast("int64"))
    first = ibis.date((m.ym // 12).cast("int32"), (m.ym % 12 + 1).cast("int32"), 1)
    start = to_day(first)
    end = to_day((first + ibis.interval(months=1)).cast("date")) - 1
    return m.select(
        card_id=m.firm_id,
        firm_id=m.firm_id,
        statement_day=end,
        start_day=start,
        next_day=ibis.null("int64"),
        statement_balance=ibis.null("float64"),
        credits_next_cycle=ibis.null("float64"),
        revolving=ibis.null("boolean"),
        revolving_balance=ibis.null("float64"),
    )
