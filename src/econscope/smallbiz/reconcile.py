"""Reconciliation: do the bank's balances agree with its transactions, and are signs right?

Two checks run in validate on the accepted tables, both in the engine:

1. **Balances.** When ``deposit_balances`` is given, each balance row is compared with the
   balance rebuilt from the account's ``opening_balance`` (empty = 0) plus every accepted
   transaction posted on or before that day. The drift (reported - rebuilt) is summarised
   in ``validated/reconciliation.csv`` (rows, accounts, max |drift|, its median, 90th and
   99th percentiles, rows and accounts beyond ``money.reconcile_tolerance``), and rows
   beyond the tolerance are a warning with the usual causes.
2. **Signs.** Amounts must be signed (> 0 inflow, < 0 outflow). Transactions of an
   outflow category (``categories.groups``) with a positive amount, or of an inflow
   category with a negative one, are counted; any is a warning with the fix (a bank that
   writes unsigned amounts needs ``sign`` in its mapping, docs/own-bank.md).

>>> RECONCILIATION_COLUMNS[:4]
('check', 'rows', 'accounts', 'max_abs_drift')
"""

from __future__ import annotations

import warnings
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd

from econscope.config import Settings
from econscope.engine import Backend, atomic_path, read_table
from econscope.errors import EconscopeWarning

__all__ = ["RECONCILIATION_COLUMNS", "RECONCILIATION_FILE", "reconcile"]

RECONCILIATION_FILE = "reconciliation.csv"
RECONCILIATION_COLUMNS: tuple[str, ...] = (
    "check",
    "rows",
    "accounts",
    "max_abs_drift",
    "p50_abs_drift",
    "p90_abs_drift",
    "p99_abs_drift",
    "tolerance",
    "rows_over_tolerance",
    "accounts_over_tolerance",
)
_OUTFLOW = ("operating_outflow", "financing_outflow", "card_payment")
_INFLOW = ("operating_inflow", "financing_inflow")


def _drift(accounts: ir.Table, tx: ir.Table, balances: ir.Table) -> ir.Table:
    """One row per balance row: account_id, drift = balance - (opening + transactions to date)."""
    daily = tx.group_by("account_id", day=tx.posted_date).aggregate(
        amount=tx.amount.cast("float64").sum()
    )
    points = balances.select("account_id", day=balances.date, balance=balances.balance)
    events = ibis.union(
        daily.select("account_id", "day", "amount", balance=ibis.null("float64")),
        points.select("account_id", "day", amount=ibis.literal(0.0), balance="balance"),
        distinct=False,
    )
    # Within a day transactions come first, then the balance: the end-of-day balance.
    w = ibis.window(
        group_by="account_id",
        order_by=[events.day, events.balance.notnull().cast("int8")],
        rows=(None, 0),
    )
    events = events.mutate(cum=events.amount.sum().over(w))
    at = events.filter(events.balance.notnull())
    opening = accounts.select(
        "account_id", opening=accounts.opening_balance.cast("float64").fill_null(0.0)
    )
    at = at.join(opening, "account_id")
    return at.select("account_id", drift=at.balance - (at.opening + at.cum))


def reconcile(con: Backend, folder: Path, settings: Settings) -> list[tuple[str, str]]:
    """Run both checks on the accepted tables in ``folder``; write reconciliation.csv.

    Returns (table, note) pairs for the data-quality accounting and warns
    (:class:`~econscope.errors.EconscopeWarning`) when a check fails.
    """
    notes: list[tuple[str, str]] = []
    tx = read_table(con, folder / "deposit_transactions.parquet")
    groups = settings.categories.groups
    outflow = [c for c, g in groups.items() if g in _OUTFLOW]
    inflow = [c for c, g in groups.items() if g in _INFLOW]
    amount = tx.amount.cast("float64")
    signs = con.to_pyarrow(
        tx.aggregate(
            pos_out=tx.count(where=tx.category.isin(outflow) & (amount > 0)),
            neg_in=tx.count(where=tx.category.isin(inflow) & (amount < 0)),
            n=tx.count(),
        )
    ).to_pylist()[0]
    if signs["pos_out"] or signs["neg_in"]:
        msg = (
            f"{signs['pos_out']:,} transactions of outflow categories have a positive amount "
            f"and {signs['neg_in']:,} of inflow categories a negative one (of {signs['n']:,}): "
            "amounts may be unsigned or categories swapped"
        )
        notes.append(("deposit_transactions", msg))
        warnings.warn(
            f"deposit_transactions: {msg}. Hint: amounts must be > 0 for inflows and < 0 for "
            "outflows; a bank that writes magnitudes needs `sign = {{ column = ..., credit = "
            "[...], debit = [...] }}` in its mapping (docs/own-bank.md)",
            EconscopeWarning,
            stacklevel=4,
        )
    path = folder / "deposit_balances.parquet"
    rows: list[dict[str, object]] = []
    if path.exists():  # a file (DuckDB) or a folder of parts (Spark)
        tol = settings.money.reconcile_tolerance
        d = _drift(read_table(con, folder / "deposit_accounts.parquet"), tx, read_table(con, path))
        a = d.drift.abs()
        over = a > tol
        s = con.to_pyarrow(
            d.aggregate(
                rows=d.count(),
                accounts=d.account_id.nunique(),
                max_abs_drift=a.max(),
                p50_abs_drift=a.quantile(0.5),
                p90_abs_drift=a.quantile(0.9),
                p99_abs_drift=a.quantile(0.99),
                rows_over_tolerance=d.count(where=over),
                accounts_over_tolerance=d.account_id.nunique(where=over),
            )
        ).to_pylist()[0]
        rows.append({"check": "deposit_balances", **s, "tolerance": tol})
        if s["rows"]:
            cur = settings.money.currency
            msg = (
                f"balances vs opening balance + transactions: max |drift| "
                f"{s['max_abs_drift']:,.2f} {cur} (median {s['p50_abs_drift']:,.2f}, p99 "
                f"{s['p99_abs_drift']:,.2f}) over {s['rows']:,} balance rows, "
                f"{s['rows_over_tolerance']:,} rows of {s['accounts_over_tolerance']:,} "
                f"accounts beyond the tolerance {tol:g}"
            )
            notes.append(("deposit_balances", msg))
            if s["rows_over_tolerance"]:
                warnings.warn(
                    f"deposit_balances: {msg}. Hint: check that amounts are signed, that no "
                    "transaction is missing or quarantined (validated/quarantine/), that "
                    "opening_balance is the balance at open_date, and that balances are "
                    "end-of-day; or raise money.reconcile_tolerance for a bank's rounding",
                    EconscopeWarning,
                    stacklevel=4,
                )
    frame = pd.DataFrame(rows, columns=list(RECONCILIATION_COLUMNS))
    with atomic_path(folder / RECONCILIATION_FILE) as tmp:
        frame.to_csv(tmp, index=False)
    return notes
