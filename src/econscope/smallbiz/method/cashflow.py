"""Deposit cash flows and average daily balances, per firm and per billing cycle.

A firm's deposit balance is a step function of the calendar day: it changes only on days
with an event (an account opening with its opening balance, a transaction, a reported
end-of-day balance, an account closing). Nothing here expands a firm into one row per
calendar day. :func:`firm_events` keeps one row per deposit event of a firm with the change
of the balance (``delta``) and the event's flows; all accounts of the firm are summed. The
balance-days integral J(d), the sum of end-of-day balances over every calendar day up to and
including d, is ``(d + 1) B(d) - D(d)`` with B the running sum of ``delta`` and D the
running sum of ``delta x day``: a change counts on every day from its own to d, so a day
without transactions carries the last end-of-day balance. The average daily balance over
the days (a, b] is ``(J(b) - J(a)) / (b - a)``. :func:`cycle_deposits` evaluates J and the
flows at statement dates with hash joins and aggregations only (Ibis has no ASOF join on
Spark, and windows over the events would need a sort of every transaction).

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
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from econscope.config import Settings
from econscope.smallbiz.method.calendar import to_day, year_month

__all__ = [
    "cycle_deposits",
    "deposit_months",
    "firm_events",
    "firm_spans",
]


#: The flow columns of :func:`firm_events`, summed over any window of days.
FLOW_COLUMNS: tuple[str, ...] = (
    "revenues",
    "expenses",
    "net_cash_flow",
    "total_outflows",
    "n_transactions",
)


def _accounts(tables: Mapping[str, ir.Table]) -> ir.Table:
    a = tables["deposit_accounts"]
    return a.select(
        "account_id",
        "firm_id",
        open_day=to_day(a.open_date),
        close_day=to_day(a.close_date),
        opening=a.opening_balance.cast("float64").fill_null(0.0),
    )


def firm_events(
    tables: Mapping[str, ir.Table], settings: Settings, *, flows_only: bool = False
) -> ir.Table:
    """One row per deposit event of a firm: its balance change and its flows.

    Events are transactions, account openings and closings, and balance rows; a firm may
    have several on one day (the consumers sum them per day, month or segment). Columns:
    firm_id, day, delta (change of the firm's end-of-day balance, all accounts summed),
    revenues, expenses, net_cash_flow, total_outflows, n_transactions, n_outflows,
    activity (1 for a transaction or a balance row). ``flows_only=True`` leaves the
    balance out (delta 0, no opening or closing rows, no window over balance rows): what
    the monthly sums need.

    Flows (``settings.categories``): revenues = sum of amounts in operating-inflow
    categories; expenses = minus the sum of amounts in operating-outflow categories (a
    positive number); net_cash_flow = sum of all amounts but own-account transfers and
    (``flows.net_cash_flow_excludes_card_payments``, default) card payments;
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
    t = tx.join(accounts.select("account_id", "firm_id", "has_rows"), "account_id")
    counted = ~t.category.isin(excluded) if excluded else ibis.literal(True)
    in_net = counted
    card_payments = cats.categories_in("card_payment")
    if settings.flows.net_cash_flow_excludes_card_payments and card_payments:
        in_net = counted & ~t.category.isin(card_payments)
    amount = t.amount.cast("float64")
    outflow = counted & (amount < 0)
    flows = t.select(
        "firm_id",
        day=to_day(t.posted_date),
        delta=ibis.ifelse(t.has_rows, 0.0, amount),
        revenues=ibis.ifelse(t.category.isin(cats.revenue_categories), amount, 0.0),
        expenses=ibis.ifelse(t.category.isin(cats.expense_categories), -amount, 0.0),
        net_cash_flow=ibis.ifelse(in_net, amount, 0.0),
        total_outflows=ibis.ifelse(outflow, -amount, 0.0),
        n_transactions=counted.cast("int64"),
        n_outflows=outflow.cast("int64"),
        activity=ibis.literal(1, "int64"),
    )

    def events(
        firm_id: ir.Value, day: ir.Value, delta: ir.Value, activity: int = 0
    ) -> dict[str, ir.Value]:
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
            "activity": ibis.literal(activity, "int64"),
        }

    if flows_only:
        parts = [flows.mutate(delta=ibis.literal(0.0))]
        if balances is not None:
            b = balances.join(accounts.select("account_id", "firm_id"), "account_id")
            parts.append(b.select(**events(b.firm_id, to_day(b.date), ibis.literal(0.0), 1)))
        return ibis.union(*parts, distinct=False)

    opening = accounts.select(**events(accounts.firm_id, accounts.open_day, accounts.opening))

    # Final balance of each account: opening + transactions, or its last balance row.
    tx_sum = tx.group_by("account_id").aggregate(tx_total=tx.amount.cast("float64").sum())
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
        parts.append(
            b.select(**events(b.firm_id, b.day, b.balance - b.prev.fill_null(b.opening), 1))
        )
        raw = balances.select("account_id", "date", balance=balances.balance.cast("float64"))
        last_rows = raw.group_by("account_id").aggregate(last=raw.balance.argmax(raw.date))
        finals = finals.left_join(last_rows, "account_id").select(
            "account_id", final=ibis.coalesce(ibis._.last, ibis._.final)
        )
    closed = accounts.filter(accounts.close_day.notnull()).join(finals, "account_id")
    parts.append(closed.select(**events(closed.firm_id, closed.close_day + 1, -closed.final)))

    # Rows are not merged per day: every consumer sums them by day, month or segment.
    return ibis.union(*parts, distinct=False)


def deposit_months(events: ir.Table) -> ir.Table:
    """One row per firm and calendar month with any event: the month's sums.

    Columns: firm_id, ym (year x 12 + month - 1), n_transactions, total_outflows,
    revenues, last_day (last day with a transaction or balance row; null if none). A small
    table that the sample filters, the firm spans and the firm-years all read, so the
    events are scanned once for them.
    """
    return events.group_by("firm_id", ym=year_month(events.day)).aggregate(
        n_transactions=events.n_transactions.sum(),
        total_outflows=events.total_outflows.sum(),
        revenues=events.revenues.sum(),
        last_day=events.day.max(where=events.activity > 0),
    )


def firm_spans(tables: Mapping[str, ir.Table], months: ir.Table) -> ir.Table:
    """Per firm: data_start (first deposit account's open day) and data_last (last day with
    a deposit transaction or balance row, else data_start), from :func:`deposit_months`.
    Days from data_start on are the firm's "days with data"."""
    accounts = _accounts(tables)
    last = months.group_by("firm_id").aggregate(last=months.last_day.max())
    start = accounts.group_by("firm_id").aggregate(data_start=accounts.open_day.min())
    joined = start.left_join(last, "firm_id")
    return joined.select(
        "firm_id",
        "data_start",
        data_last=ibis.greatest(joined.data_start, joined["last"].fill_null(joined.data_start)),
    )


ORIGIN_DAY = 14610  # 2010-01-01; integrals use days relative to it (precision only)


BUCKET_DAYS = 32  # width of the day buckets that turn "day in (lo, hi]" into a hash join


def cycle_deposits(
    events: ir.Table,
    cycles: ir.Table,
    points: Mapping[str, Callable[[ir.Table], ir.IntegerValue]],
) -> ir.Table:
    """Deposit flows of every cycle and the firm's balance integrals at chosen days.

    ``events`` is :func:`firm_events`; ``cycles`` has card_id, firm_id, statement_day,
    data_start (the firm's first day with data; no event is earlier) and ``flow_lo``
    (flows of a cycle are summed over the days (flow_lo, statement_day]; the day before
    the cycle's first day with data); ``points`` maps a name to a function of
    ``cycles`` giving a day; the statement day itself is always point ``"end"``.

    Returns card_id, statement_day, the :data:`FLOW_COLUMNS` of the cycle (0 when it has
    no transactions), and for ``end`` and each point ``j_<name>`` (J: the sum of the
    firm's end-of-day balances over every day up to that day), ``out_<name>`` and
    ``nout_<name>`` (total outflows and their count up to it).

    How (no window over the events, no firm x day table): the distinct point days of a
    card cut its time line into segments (previous point day, point day]. Each event is
    matched to its segment by a hash join on (card, day bucket) and the events are summed
    per segment; the first segment starts at the firm's data start. Running sums
    over the small table of segments then give at each point day the balance B, the sum
    D of delta x day, the cumulative outflows and their count, and J = (day + 1) B - D (a
    change counts on every day from its own to ``day``).
    """
    sums = {
        "delta": "delta",
        "dday": "dday",
        "n_outflows": "n_outflows",
        **{c: c for c in FLOW_COLUMNS},
    }
    cycles = cycles.mutate(
        seq=ibis.row_number().over(group_by="card_id", order_by="statement_day").cast("int64")
    )
    names = ["end", *points]
    fns = {"end": lambda t: t.statement_day, **points}
    bounds = ibis.union(
        *[
            cycles.select("card_id", day=fns[n](cycles).cast("int64"), is_end=int(n == "end"))
            for n in names
        ],
        distinct=False,
    )
    bounds = bounds.filter(bounds.day.notnull())
    bounds = bounds.group_by("card_id", "day").aggregate(is_end=bounds.is_end.max())
    by_day = ibis.window(group_by="card_id", order_by="day")
    # The first segment of a card starts the day the firm's data start: no event is earlier.
    starts = cycles.group_by("card_id").aggregate(data_start=cycles.data_start.min())
    bounds = bounds.join(starts, "card_id")
    first_lo = ibis.least(bounds.data_start - 1, bounds.day)
    bounds = bounds.select(
        "card_id", "day", "is_end", lo=ibis.coalesce(bounds.day.lag().over(by_day), first_lo)
    )

    cards = cycles.select("card_id", "firm_id").distinct()
    e = events.join(cards, "firm_id")
    e = e.mutate(dday=e.delta * (e.day - ORIGIN_DAY).cast("float64"), bucket=e.day // BUCKET_DAYS)

    # Events in each segment (lo, day]: hash join on (card, bucket), then the exact test.
    # The events are read once, by this join (no second pass, no materialised CTE).
    seg = bounds.filter(bounds.lo.notnull())
    seg = seg.select(
        "card_id",
        hi="day",
        lo="lo",
        bucket=ibis.range((seg.lo + 1) // BUCKET_DAYS, seg.day // BUCKET_DAYS + 1).unnest(),
    )
    m = e.join(seg, ["card_id", "bucket"])
    m = m.filter((m.day > m.lo) & (m.day <= m.hi))
    # The balance terms are summed exactly: J = (day + 1) B - D cancels most of their digits.
    exact = {"delta", "dday"}
    seg_sums = m.group_by("card_id", day=m.hi).aggregate(
        **{k: (m[v].cast(_EXACT) if k in exact else m[v]).sum() for k, v in sums.items()}
    )

    b = bounds.left_join(seg_sums, ["card_id", "day"]).select(
        *bounds.columns, **{k: ibis._[k].fill_null(0) for k in sums}
    )
    upto = ibis.window(group_by="card_id", order_by="day", rows=(None, 0))
    b = b.mutate(
        balance=_running_sum(b.delta, upto),
        dsum=_running_sum(b.dday, upto),
        cum_out=_running_sum(b.total_outflows, upto),
        cum_nout=b.n_outflows.sum().over(upto),
        n_end=b.is_end.sum().over(upto),
    )
    b = b.mutate(
        j=((b.day - ORIGIN_DAY).cast("float64") + 1.0) * b.balance - b.dsum,
        seq=(b.n_end - b.is_end).cast("int64"),  # 0-based, as row_number: the cycle holding day
    )

    # Flows of a cycle: its segments after flow_lo.
    f = b.join(cycles.select("card_id", "seq", "flow_lo"), ["card_id", "seq"])
    f = f.filter(f.day > f.flow_lo)
    flows = f.group_by("card_id", "seq").aggregate(**{c: f[c].sum() for c in FLOW_COLUMNS})

    out = cycles.select("card_id", "statement_day", "seq")
    for n in names:
        pick = cycles.select("card_id", "seq", day=fns[n](cycles).cast("int64"))
        pick = pick.join(b.select("card_id", "day", "j", "cum_out", "cum_nout"), ["card_id", "day"])
        pick = pick.select(
            "card_id",
            "seq",
            **{f"j_{n}": pick.j, f"out_{n}": pick.cum_out, f"nout_{n}": pick.cum_nout},
        )
        out = out.left_join(pick, ["card_id", "seq"]).select(
            *out.columns, f"j_{n}", f"out_{n}", f"nout_{n}"
        )
    out = out.left_join(flows, ["card_id", "seq"]).select(
        *out.columns, **{c: ibis._[c].fill_null(0) for c in FLOW_COLUMNS}
    )
    return out.mutate(n_transactions=_int64(out.n_transactions)).drop("seq")


#: Exact type of the running sums: money to 1e-10, up to 1e28 (a float sum's rounding
#: would depend on how the engine's window tree groups the rows, i.e. on which other cards
#: share the window's partition: a firm's numbers would change with the firms around it).
_EXACT = dt.Decimal(38, 10)


def _running_sum(value: ir.NumericValue, window: ibis.Window) -> ir.FloatingValue:
    """The running sum of a money column, summed exactly (the same bits in any grouping)."""
    return value.cast(_EXACT).sum().over(window).cast("float64")


def _int64(value: ir.IntegerValue) -> ir.IntegerValue:
    """A count as a true int64 column. DuckDB sums BIGINT into HUGEINT (stored in Parquet as
    DOUBLE); Ibis types the sum as int64 and would drop a plain cast to int64."""
    return value.cast("float64").cast("int64")
