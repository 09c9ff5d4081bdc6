"""Deposit cash flows and average daily balances, per firm and per billing cycle.

A firm's deposit balance is a step function of the calendar day: it changes only on days
with an event (an account opening with its opening balance, a transaction, a reported
end-of-day balance, an account closing). Nothing here expands a firm into one row per
calendar day. Instead each firm gets a *timeline* with one row per change day holding

- ``balance``: the firm's end-of-day balance on that day, all deposit accounts summed;
- ``j_before``: the balance-days integral up to the day before, J(day - 1), where
  J(d) is the sum of end-of-day balances over every calendar day up to and including d;
- ``cum_out`` / ``cum_nout``: cumulative total outflows and their count.

J at any day d is then ``j_before(c) + balance(c) * (d - c + 1)`` with c the last change
day on or before d, and the average daily balance over the days (a, b] is
``(J(b) - J(a)) / (b - a)``. The last change day is found with a union of the query days
and the timeline plus one window (a running maximum), which every engine can run (Ibis
has no ASOF join on Spark).

Days are integers (days since 1970-01-01) inside the pipeline; :func:`to_day` and
:func:`to_date` convert at the edges.

>>> import datetime as dt
>>> import ibis
>>> con = ibis.duckdb.connect()
>>> con.to_pyarrow(to_day(ibis.date(dt.date(1970, 1, 31)))).as_py()
30
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import ibis
import ibis.expr.types as ir

from econscope.config import Settings

__all__ = [
    "EPOCH",
    "cycle_adb",
    "cycle_flows",
    "firm_daily",
    "firm_spans",
    "firm_timeline",
    "integrals_at",
    "to_date",
    "to_day",
]

EPOCH = ibis.date(1970, 1, 1)

#: The per-day flow columns of :func:`firm_daily`, summed over any window of days.
FLOW_COLUMNS: tuple[str, ...] = (
    "revenues",
    "expenses",
    "net_cash_flow",
    "total_outflows",
    "n_transactions",
)


def to_day(value: ir.DateValue) -> ir.IntegerValue:
    """Days since 1970-01-01 of a date (an int64 column)."""
    return value.delta(EPOCH, unit="day").cast("int64")


def to_date(day: ir.IntegerValue) -> ir.DateValue:
    """The date of a day number (inverse of :func:`to_day`)."""
    return (EPOCH + day.as_interval("D")).cast("date")


def _accounts(tables: Mapping[str, ir.Table]) -> ir.Table:
    a = tables["deposit_accounts"]
    return a.select(
        "account_id",
        "firm_id",
        open_day=to_day(a.open_date),
        close_day=to_day(a.close_date),
        opening=a.opening_balance.cast("float64").fill_null(0.0),
    )


def firm_daily(tables: Mapping[str, ir.Table], settings: Settings) -> ir.Table:
    """One row per firm and day with any deposit event: balance change and the day's flows.

    Columns: firm_id, day, delta (change of the firm's end-of-day balance, all accounts
    summed), revenues, expenses, net_cash_flow, total_outflows, n_transactions, n_outflows.

    Flows (``settings.categories``): revenues = sum of amounts in operating-inflow
    categories; expenses = minus the sum of amounts in operating-outflow categories (a
    positive number); net_cash_flow = sum of all amounts but own-account transfers;
    total_outflows = minus the sum of negative amounts but own-account transfers;
    n_transactions counts transactions but own-account transfers.

    Balance: an account contributes its ``opening_balance`` (null = 0) from its open date,
    plus its transactions; when ``deposit_balances`` is given, an account with balance
    rows takes its end-of-day balance from them instead (the change from its previous
    balance row, or from its opening balance for the first row), carried over the days
    between rows. After its close date an account contributes nothing (its final balance
    leaves the firm's sum the day after it closes).
    """
    cats = settings.categories
    accounts = _accounts(tables)
    tx = tables["deposit_transactions"]
    balances = tables.get("deposit_balances")

    if balances is not None:
        with_rows = balances.select("account_id").distinct().mutate(has_rows=ibis.literal(True))
        accounts = accounts.left_join(with_rows, "account_id").select(
            *accounts.columns, has_rows=ibis._.has_rows.fill_null(False)
        )
    else:
        accounts = accounts.mutate(has_rows=ibis.literal(False))

    excluded = cats.excluded_categories
    counted = ~tx.category.isin(excluded) if excluded else ibis.literal(True)
    amount = tx.amount.cast("float64")
    tx_rows = tx.select(
        "account_id",
        day=to_day(tx.posted_date),
        amount=amount,
        revenues=ibis.ifelse(tx.category.isin(cats.revenue_categories), amount, 0.0),
        expenses=ibis.ifelse(tx.category.isin(cats.expense_categories), -amount, 0.0),
        net_cash_flow=ibis.ifelse(counted, amount, 0.0),
        total_outflows=ibis.ifelse(counted & (amount < 0), -amount, 0.0),
        n_transactions=ibis.ifelse(counted, 1, 0).cast("int64"),
        n_outflows=ibis.ifelse(counted & (amount < 0), 1, 0).cast("int64"),
    )
    tx_rows = tx_rows.join(accounts.select("account_id", "firm_id", "has_rows"), "account_id")
    flows = tx_rows.select(
        "firm_id",
        "day",
        delta=ibis.ifelse(tx_rows.has_rows, 0.0, tx_rows.amount),
        **{c: tx_rows[c] for c in (*FLOW_COLUMNS, "n_outflows")},
    )

    def events(firm_id: ir.Value, day: ir.Value, delta: ir.Value) -> dict[str, ir.Value]:
        zero_f, zero_i = ibis.literal(0.0), ibis.literal(0, "int64")
        return {
            "firm_id": firm_id,
            "day": day,
            "delta": delta,
            "revenues": zero_f,
            "expenses": zero_f,
            "net_cash_flow": zero_f,
            "total_outflows": zero_f,
            "n_transactions": zero_i,
            "n_outflows": zero_i,
        }

    opening = accounts.select(**events(accounts.firm_id, accounts.open_day, accounts.opening))

    # Final balance of each account: opening + transactions, or its last balance row.
    tx_sum = tx_rows.group_by("account_id").aggregate(tx_total=tx_rows.amount.sum())
    finals = accounts.left_join(tx_sum, "account_id").select(
        "account_id", final=ibis._.opening + ibis._.tx_total.fill_null(0.0)
    )
    parts = [flows, opening]
    if balances is not None:
        b = balances.select(
            "account_id", day=to_day(balances.date), balance=balances.balance.cast("float64")
        ).join(accounts.select("account_id", "firm_id", "opening"), "account_id")
        w = ibis.window(group_by="account_id", order_by="day")
        b = b.mutate(prev=b.balance.lag().over(w))
        parts.append(b.select(**events(b.firm_id, b.day, b.balance - b.prev.fill_null(b.opening))))
        last_rows = b.group_by("account_id").aggregate(last=b.balance.argmax(b.day))
        finals = finals.left_join(last_rows, "account_id").select(
            "account_id", final=ibis.coalesce(ibis._.last, ibis._.final)
        )
    closed = accounts.filter(accounts.close_day.notnull()).join(finals, "account_id")
    parts.append(closed.select(**events(closed.firm_id, closed.close_day + 1, -closed.final)))

    allrows = ibis.union(*parts, distinct=False)
    return allrows.group_by("firm_id", "day").aggregate(
        delta=allrows.delta.sum(),
        **{c: allrows[c].sum() for c in (*FLOW_COLUMNS, "n_outflows")},
    )


def firm_spans(tables: Mapping[str, ir.Table]) -> ir.Table:
    """Per firm: data_start (first deposit account's open day) and data_last (last day with
    a deposit transaction or balance row, else data_start). Days from data_start on are the
    firm's "days with data"."""
    accounts = _accounts(tables)
    tx = tables["deposit_transactions"].join(accounts.select("account_id", "firm_id"), "account_id")
    last = tx.group_by("firm_id").aggregate(last=to_day(tx.posted_date).max())
    balances = tables.get("deposit_balances")
    if balances is not None:
        b = balances.join(accounts.select("account_id", "firm_id"), "account_id")
        blast = b.group_by("firm_id").aggregate(last=to_day(b.date).max())
        last = ibis.union(last, blast, distinct=False)
        last = last.group_by("firm_id").aggregate(last=last["last"].max())
    start = accounts.group_by("firm_id").aggregate(data_start=accounts.open_day.min())
    joined = start.left_join(last, "firm_id")
    return joined.select(
        "firm_id",
        "data_start",
        data_last=ibis.greatest(joined.data_start, joined["last"].fill_null(joined.data_start)),
    )


def firm_timeline(daily: ir.Table) -> ir.Table:
    """Running balance, balance-days integral and cumulative outflows per firm change day.

    Columns: firm_id, day, balance, j_before (sum of end-of-day balances over the days
    before ``day``), cum_out, cum_nout (total outflows and their count up to ``day``).
    """
    w = ibis.window(group_by="firm_id", order_by="day", rows=(None, 0))
    t = daily.mutate(
        balance=daily.delta.sum().over(w),
        cum_out=daily.total_outflows.sum().over(w),
        cum_nout=daily.n_outflows.sum().over(w),
        gap=(daily.day.lead().over(ibis.window(group_by="firm_id", order_by="day")) - daily.day),
    )
    t = t.mutate(area=t.balance * t.gap.fill_null(0).cast("float64"))
    t = t.mutate(j_incl=t.area.sum().over(w))
    return t.select("firm_id", "day", "balance", "cum_out", "cum_nout", j_before=t.j_incl - t.area)


def integrals_at(
    timeline: ir.Table,
    cycles: ir.Table,
    points: Mapping[str, Callable[[ir.Table], ir.IntegerValue]],
) -> ir.Table:
    """J, cumulative outflows and their count at chosen days of each cycle, in one pass.

    ``cycles`` has card_id, firm_id, statement_day; each entry of ``points`` maps a name to
    a function of ``cycles`` giving a day. Returns card_id, statement_day and for each name
    ``j_<name>``, ``out_<name>``, ``nout_<name>`` (zero before the firm's first change).
    """
    queries = ibis.union(
        *[
            cycles.select(
                "firm_id",
                "card_id",
                "statement_day",
                which=ibis.literal(name),
                day=fn(cycles).cast("int64"),
                change_day=ibis.null("int64"),
            )
            for name, fn in points.items()
        ],
        distinct=False,
    )
    changes = timeline.select(
        "firm_id",
        card_id=ibis.null("string"),
        statement_day=ibis.null("int64"),
        which=ibis.null("string"),
        day="day",
        change_day="day",
    )
    u = ibis.union(queries, changes, distinct=False)
    # RANGE frame: a change on the query day itself is a peer and is included.
    w = ibis.window(group_by="firm_id", order_by="day", range=(None, 0))
    u = u.mutate(last_change=u.change_day.max().over(w))
    q = u.filter(u.which.notnull())
    tl = timeline.select(
        "firm_id",
        last_change="day",
        balance="balance",
        j_before="j_before",
        cum_out="cum_out",
        cum_nout="cum_nout",
    )
    j = q.left_join(tl, ["firm_id", "last_change"])
    j = j.select(
        "card_id",
        "statement_day",
        "which",
        j=(j.j_before + j.balance * (j.day - j.last_change + 1).cast("float64")).fill_null(0.0),
        out=j.cum_out.fill_null(0.0),
        nout=j.cum_nout.fill_null(0),
    )
    aggs: dict[str, ir.Value] = {}
    for name in points:
        hit = j.which == name
        aggs[f"j_{name}"] = j.j.max(where=hit)
        aggs[f"out_{name}"] = j.out.max(where=hit)
        aggs[f"nout_{name}"] = j.nout.max(where=hit)
    return j.group_by("card_id", "statement_day").aggregate(**aggs)


def cycle_adb(points: ir.Table) -> ir.Value:
    """ADB over the cycle's days with data, from :func:`integrals_at` columns ``j_end``,
    ``j_cycle`` and the cycle's ``adb_lo`` (the day before its first day with data)."""
    days = points.statement_day - points.adb_lo
    return ibis.ifelse(
        days > 0, (points.j_end - points.j_cycle) / days.cast("float64"), ibis.null("float64")
    )


def cycle_flows(daily: ir.Table, cycles: ir.Table) -> ir.Table:
    """Deposit flows of each cycle over its own days [cycle_start, statement date].

    ``cycles`` has card_id, firm_id, statement_day, start_day (cycles of one card tile the
    time line: start_day = previous statement day + 1). Each daily row is assigned to the
    first statement on or after its day (a window minimum over the following rows), then
    summed; rows before the card's first cycle or after its last statement are dropped.
    Returns card_id, statement_day and the :data:`FLOW_COLUMNS` (0 for a cycle without
    transactions).
    """
    first = cycles.group_by("card_id", "firm_id").aggregate(first_start=cycles.start_day.min())
    d = daily.join(first, "firm_id")
    d = d.filter(d.day >= d.first_start)
    rows = d.select(
        "card_id",
        "day",
        stmt=ibis.null("int64"),
        **{c: d[c] for c in FLOW_COLUMNS},
    )
    markers = cycles.select(
        "card_id",
        day="statement_day",
        stmt="statement_day",
        **{
            c: ibis.literal(0, "int64") if c == "n_transactions" else ibis.literal(0.0)
            for c in FLOW_COLUMNS
        },
    )
    u = ibis.union(rows, markers, distinct=False)
    w = ibis.window(group_by="card_id", order_by="day", range=(0, None))
    u = u.mutate(closing=u.stmt.min().over(w))
    u = u.filter(u.stmt.isnull() & u.closing.notnull())
    sums = u.group_by("card_id", statement_day=u.closing).aggregate(
        **{c: u[c].sum() for c in FLOW_COLUMNS}
    )
    out = cycles.select("card_id", "statement_day").left_join(sums, ["card_id", "statement_day"])
    return out.select(
        "card_id",
        "statement_day",
        **{c: out[c].fill_null(0) for c in FLOW_COLUMNS},
    )
