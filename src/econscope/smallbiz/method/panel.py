"""The firm-by-billing-cycle panel composed from the method steps (DESIGN.md steps 1-6).

:func:`panel_expr` builds the panel, the firm-years and the sample funnel as Ibis
expressions from the validated tables (any engine). Every definition is in ``docs/panel.md``.

>>> PANEL_COLUMNS[:4]
('firm_id', 'card_id', 'statement_date', 'cycle_start')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir

from econscope.config import Settings
from econscope.smallbiz.method.balances import cycle_adb
from econscope.smallbiz.method.buffers import avg_daily_outflows, buffer_days, buffer_lo
from econscope.smallbiz.method.calendar import to_date
from econscope.smallbiz.method.cashflow import (
    cycle_deposits,
    deposit_months,
    firm_events,
    firm_spans,
)
from econscope.smallbiz.method.cycles import billing_cycles, calendar_cycles
from econscope.smallbiz.method.prices import deflate
from econscope.smallbiz.method.sample import firm_status, funnel
from econscope.smallbiz.method.size import firm_years

__all__ = [
    "BUCKET_COLUMN",
    "MONEY_COLUMNS",
    "OPTIONAL_TABLES",
    "PANEL_COLUMNS",
    "REQUIRED_COLUMNS",
    "PanelExprs",
    "bucket_tables",
    "deposits_only",
    "firm_bucket",
    "panel_expr",
]


#: Money columns of the panel; each also appears as ``<column>_real`` in base-year dollars.
MONEY_COLUMNS: tuple[str, ...] = (
    "statement_balance",
    "credits_next_cycle",
    "revolving_balance",
    "revenues",
    "expenses",
    "net_cash_flow",
    "total_outflows",
    "adb",
    "annual_revenue",
    "avg_daily_outflows",
)


PANEL_COLUMNS: tuple[str, ...] = (
    "firm_id",
    "card_id",
    "statement_date",
    "cycle_start",
    "cycle_end",
    "statement_balance",
    "credits_next_cycle",
    "revolving",
    "revolving_balance",
    "revenues",
    "expenses",
    "net_cash_flow",
    "total_outflows",
    "n_transactions",
    "adb",
    "cash_buffer_days",
    "avg_daily_outflows",
    "year",
    "month",
    "industry",
    "annual_revenue",
    "size_class",
    *(f"{c}_real" for c in MONEY_COLUMNS),
)


CARD_TABLES: tuple[str, ...] = ("card_accounts", "card_statements", "card_transactions")

#: Columns the panel reads from each validated table (deposit_balances is optional).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "firms": ("firm_id", "industry"),
    "deposit_accounts": ("account_id", "firm_id", "open_date", "close_date", "opening_balance"),
    "deposit_transactions": ("account_id", "posted_date", "amount", "category"),
    "deposit_balances": ("account_id", "date", "balance"),
    "card_accounts": ("card_id", "firm_id", "open_date"),
    "card_statements": ("card_id", "statement_date", "statement_balance"),
    "card_transactions": ("card_id", "posted_date", "amount", "kind"),
}


#: Tables a panel can do without: balances (rebuilt), and the card tables (all three
#: absent: a deposit-only panel).
OPTIONAL_TABLES = frozenset({"deposit_balances", *CARD_TABLES})


def deposits_only(tables: Mapping[str, object], settings: Settings) -> bool:
    """Deposit-only mode: asked for (``sample.deposits_only``), or no card tables."""
    return settings.sample.deposits_only or not any(t in tables for t in CARD_TABLES)


@dataclass(frozen=True)
class PanelExprs:
    """The stage's three outputs as unexecuted Ibis expressions, plus the per-firm status.

    ``cached`` holds the intermediates ``panel_expr(..., cache=True)`` materialised in the
    engine; :meth:`release` frees them once the outputs are written.
    """

    panel: ir.Table
    firm_years: ir.Table
    funnel: ir.Table
    status: ir.Table
    cached: tuple[ir.Table, ...] = field(default=(), repr=False)

    def release(self) -> None:
        """Drop the cached intermediates from the engine (memory of a finished bucket)."""
        for table in self.cached:
            table.release()


#: The column that carries a row's firm bucket while the tables are partitioned.
BUCKET_COLUMN = "_bucket"

#: How each table reaches its firm: directly, or through its account or card.
_PARENT: dict[str, tuple[str, str]] = {
    "deposit_transactions": ("deposit_accounts", "account_id"),
    "deposit_balances": ("deposit_accounts", "account_id"),
    "card_statements": ("card_accounts", "card_id"),
    "card_transactions": ("card_accounts", "card_id"),
}


def firm_bucket(firm_id: ir.Value, buckets: int) -> ir.IntegerValue:
    """The bucket (0 .. buckets - 1) of a firm: a hash of its id, mod ``buckets``.

    An Ibis expression, so every engine partitions the same way it computes (DuckDB's hash
    is fixed across runs and machines, which resuming a run relies on).

    >>> import ibis
    >>> t = ibis.memtable({"firm_id": ["F1", "F2", "F3"]})
    >>> b = ibis.duckdb.connect().to_pyarrow(t.select(b=firm_bucket(t.firm_id, 4)).b)
    >>> all(0 <= v < 4 for v in b.to_pylist())
    True
    """
    h = firm_id.hash()
    return ((h % buckets) + buckets) % buckets


def bucket_tables(tables: Mapping[str, ir.Table], buckets: int) -> dict[str, ir.Table]:
    """Every validated table with its firm's bucket in :data:`BUCKET_COLUMN`.

    Firm-level tables hash their own firm_id; transactions, balances and statements take
    the bucket of their account or card (rows of an unknown account or card have no firm,
    are dropped, and the panel drops them too). Only the columns the panel reads are kept.
    Every panel measure is within one firm, so the panel of the whole bank is the union of
    the panels of its buckets and the funnel the sum of theirs.
    """
    out: dict[str, ir.Table] = {}
    for name, table in tables.items():
        cols = [c for c in REQUIRED_COLUMNS[name] if c in table.columns]
        if name in _PARENT:
            parent_name, key = _PARENT[name]
            parent = tables[parent_name]
            owners = parent.select(key, **{BUCKET_COLUMN: firm_bucket(parent.firm_id, buckets)})
            out[name] = table.select(*cols).join(owners, key)
        else:
            out[name] = table.select(*cols, **{BUCKET_COLUMN: firm_bucket(table.firm_id, buckets)})
    return out


def _industry(firms: ir.Table, settings: Settings) -> ir.Table:
    known = firms.industry.isin(settings.industries)
    return firms.select(
        "firm_id", industry=ibis.ifelse(known, firms.industry, "unknown").fill_null("unknown")
    )


def panel_expr(
    tables: Mapping[str, ir.Table], settings: Settings | None = None, *, cache: bool = False
) -> PanelExprs:
    """The panel, firm-years and funnel from validated tables, as Ibis expressions.

    ``tables`` maps the validated table names to Ibis tables on one backend
    (``deposit_balances`` may be absent). ``cache=True`` materialises the shared
    intermediates in the engine (``Table.cache``) so that the three outputs do not
    recompute them.

    >>> import datetime as dt
    >>> import ibis, pyarrow as pa
    >>> d = dt.date
    >>> def mt(**cols):
    ...     return ibis.memtable(pa.table(cols))
    >>> t = {
    ...     "firms": mt(firm_id=["f"], industry=["retail"]),
    ...     "deposit_accounts": mt(account_id=["a"], firm_id=["f"], open_date=[d(2022, 1, 1)],
    ...         close_date=pa.array([None], pa.date32()), opening_balance=[1000.0]),
    ...     "deposit_transactions": mt(account_id=["a"] * 3,
    ...         posted_date=[d(2022, 1, 10), d(2022, 2, 10), d(2022, 3, 10)],
    ...         amount=[-600.0] * 3, category=["rent"] * 3),
    ...     "card_accounts": mt(card_id=["c"], firm_id=["f"], open_date=[d(2022, 1, 1)]),
    ...     "card_statements": mt(card_id=["c", "c"],
    ...         statement_date=[d(2022, 2, 15), d(2022, 3, 15)], statement_balance=[100.0, 50.0]),
    ...     "card_transactions": mt(card_id=["c"], posted_date=[d(2022, 3, 1)], amount=[100.0],
    ...         kind=["payment"]),
    ... }
    >>> s = Settings().with_overrides(["sample.min_monthly_transactions=1"])
    >>> out = ibis.duckdb.connect().to_pyarrow(panel_expr(t, s).panel.order_by("statement_date"))
    >>> out.select(["revolving", "expenses", "n_transactions"]).to_pylist()
    [{'revolving': False, 'expenses': 600.0, 'n_transactions': 1}, \
{'revolving': None, 'expenses': 600.0, 'n_transactions': 1}]
    """
    settings = settings or Settings()
    tables = dict(tables)

    cached: list[ir.Table] = []

    def keep(t: ir.Table) -> ir.Table:
        if not cache:
            return t
        cached.append(t.cache())
        return cached[-1]

    events = firm_events(tables, settings)
    months = keep(deposit_months(firm_events(tables, settings, flows_only=True)))
    spans = keep(firm_spans(tables, months))
    no_cards = deposits_only(tables, settings)
    status = keep(firm_status(tables, months, spans, settings, deposits_only=no_cards))
    sample = status.filter(status.in_sample).select("firm_id")
    industries = _industry(tables["firms"], settings)

    if no_cards:  # one cycle per firm and calendar month, keyed by the firm
        cycles = keep(calendar_cycles(spans.semi_join(sample, "firm_id")))
    else:
        cards = tables["card_accounts"].semi_join(sample, "firm_id")
        cycles = billing_cycles(
            cards, tables["card_statements"], tables["card_transactions"], settings
        )
        cycles = keep(cycles)
    events_s = events.semi_join(sample, "firm_id")
    c = cycles.left_join(spans, "firm_id").select(*cycles.columns, "data_start")
    c = c.mutate(
        flow_lo=ibis.greatest(c.start_day, c.data_start) - 1, buf_lo=buffer_lo(c, settings)
    )
    dep = cycle_deposits(
        events_s,
        c,
        {"cycle": lambda t: t.flow_lo, "buf": lambda t: t.buf_lo},
    )
    p = c.join(dep, ["card_id", "statement_day"])
    p = p.mutate(
        adb=cycle_adb(p),
        cash_buffer_days=buffer_days(p, settings),
        avg_daily_outflows=avg_daily_outflows(p, settings),
    )
    statement_date = to_date(p.statement_day)
    p = p.mutate(
        statement_date=statement_date,
        cycle_start=to_date(p.start_day),
        cycle_end=statement_date,
        year=statement_date.year().cast("int64"),
        month=statement_date.month().cast("int64"),
    )
    fy = keep(firm_years(months.semi_join(sample, "firm_id"), spans, industries, settings))
    p = p.left_join(industries, "firm_id").select(*p.columns, "industry")
    p = p.left_join(
        fy.select("firm_id", "year", "annual_revenue", "size_class"), ["firm_id", "year"]
    ).select(*p.columns, "annual_revenue", "size_class")
    p = deflate(p, MONEY_COLUMNS, settings, year="year", month="month")
    if no_cards:
        p = p.mutate(card_id=ibis.null("string"))
    return PanelExprs(
        panel=p.select(*PANEL_COLUMNS),
        firm_years=fy,
        funnel=funnel(status, settings, deposits_only=no_cards),
        status=status,
        cached=tuple(cached),
    )
