"""A small clean smallbiz dataset for the contract tests, and helpers to read outputs.

Not a test module: the other ``test_contract_*`` files import from it. The dataset is two
firms, each with one deposit account and one card, and every row is valid, so a test adds
one bad row (or changes one) and checks that exactly that row is quarantined.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq


@dataclass
class Table:
    """A table as text: a header and rows (None = empty field)."""

    columns: list[str]
    rows: list[list[str | None]] = field(default_factory=list)

    def add(self, *row: str | None) -> Table:
        self.rows.append(list(row))
        return self


def clean() -> dict[str, Table]:
    """The clean dataset. Row counts: firms 2, deposit_accounts 2, deposit_transactions 4
    (two identical $100 sales on one day, both legitimate), deposit_balances 3,
    card_accounts 2, card_statements 3, card_transactions 3."""
    return {
        "firms": Table(["firm_id", "industry", "region"])
        .add("F1", "retail", "NY")
        .add("F2", "construction", None),
        "deposit_accounts": Table(
            ["account_id", "firm_id", "open_date", "close_date", "opening_balance"]
        )
        .add("A1", "F1", "2020-01-01", None, None)
        .add("A2", "F2", "2020-01-01", "2020-12-31", "1000"),
        "deposit_transactions": Table(["account_id", "posted_date", "amount", "category"])
        .add("A1", "2020-01-05", "100", "sales")
        .add("A1", "2020-01-05", "100", "sales")
        .add("A1", "2020-01-06", "-40.5", "rent")
        .add("A2", "2020-02-01", "250", "sales"),
        "deposit_balances": Table(["account_id", "date", "balance"])
        .add("A1", "2020-01-05", "200")
        .add("A1", "2020-01-06", "159.5")
        .add("A2", "2020-02-01", "1250"),
        "card_accounts": Table(["card_id", "firm_id", "open_date", "close_date", "credit_limit"])
        .add("C1", "F1", "2020-01-01", None, "5000")
        .add("C2", "F2", "2020-01-01", None, None),
        "card_statements": Table(["card_id", "statement_date", "statement_balance"])
        .add("C1", "2020-01-15", "50")
        .add("C1", "2020-02-15", "0")
        .add("C2", "2020-01-15", "20"),
        "card_transactions": Table(["card_id", "posted_date", "amount", "kind"])
        .add("C1", "2020-01-10", "50", "purchase")
        .add("C1", "2020-01-20", "50", "payment")
        .add("C2", "2020-01-12", "20", "purchase"),
    }


CLEAN_ROWS = {
    "firms": 2,
    "deposit_accounts": 2,
    "deposit_transactions": 4,
    "deposit_balances": 3,
    "card_accounts": 2,
    "card_statements": 3,
    "card_transactions": 3,
}


def write_csv(folder: Path, tables: dict[str, Table]) -> Path:
    """Write each table as ``<name>.csv`` (empty fields for None) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        with (folder / f"{name}.csv").open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(table.columns)
            writer.writerows([["" if v is None else v for v in row] for row in table.rows])
    return folder


def quarantine_rows(out: Path, table: str) -> list[dict[str, str | None]]:
    """The quarantine of ``table`` as a list of dicts, sorted for stable comparisons."""
    rows = pq.read_table(out / "quarantine" / f"{table}.parquet").to_pylist()
    return sorted(rows, key=lambda r: tuple(str(v) for v in r.values()))


def reasons(out: Path, table: str) -> list[str]:
    """The sorted reasons of ``table``'s quarantine."""
    return sorted(str(r["reason"]) for r in quarantine_rows(out, table))


def accepted_rows(out: Path, table: str) -> list[dict[str, object]]:
    """The accepted rows of ``table`` as dicts with the input's own ids, sorted.

    validate writes surrogate keys; the id map in the same folder gives the raw ids back.
    """
    rows = pq.read_table(out / f"{table}.parquet").to_pylist()
    raw = {r["surrogate"]: r["raw_id"] for r in pq.read_table(out / "id_map.parquet").to_pylist()}
    ids = ("firm_id", "account_id", "card_id")
    rows = [{c: raw[v] if c in ids and v is not None else v for c, v in r.items()} for r in rows]
    return sorted(rows, key=lambda r: tuple(str(v) for v in r.values()))
