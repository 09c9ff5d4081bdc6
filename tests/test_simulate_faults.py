"""Fault injection: every injected row is recorded, carries its fault, and the rest is the
clean bank (so a validator that quarantines exactly the faults accepts the clean bank)."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from econscope.config import CARD_KINDS, DEFAULT_CATEGORY_GROUPS
from econscope.smallbiz.sim.faults import INJECTED_REASONS, as_text
from econscope.smallbiz.sim.simulate import CONTRACT_TABLES, simulate

KW = {
    "firms": 80,
    "start": "2020-01",
    "end": "2020-12",
    "seed": 3,
    "chunk_firms": 40,
    "progress": False,
}
SHARE = 0.05


def _read_text(path: Path, names: list[str]) -> pa.Table:
    opts = pcsv.ConvertOptions(
        column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=True
    )
    return pcsv.read_csv(path, convert_options=opts)


@pytest.fixture(scope="module")
def banks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    clean, dirty = tmp_path_factory.mktemp("clean"), tmp_path_factory.mktemp("dirty")
    simulate(clean, **KW)
    simulate(dirty, faults=SHARE, **KW)
    return clean, dirty


@pytest.fixture(scope="module")
def tables(banks: tuple[Path, Path]) -> dict[str, tuple[pa.Table, pa.Table]]:
    clean, dirty = banks
    out = {}
    for t in CONTRACT_TABLES:
        c = pq.read_table(clean / f"{t}.parquet")
        out[t] = (c, _read_text(dirty / f"{t}.csv", c.column_names))
    return out


@pytest.fixture(scope="module")
def faults(banks: tuple[Path, Path]) -> pa.Table:
    return pq.read_table(banks[1] / "faults.parquet")


def test_dirty_tables_are_the_clean_rows_plus_the_recorded_faults(tables, faults) -> None:
    for t, (clean, dirty) in tables.items():
        rows = [
            r
            for tab, r in zip(faults["table"].to_pylist(), faults["row"].to_pylist(), strict=True)
            if tab == t
        ]
        assert dirty.num_rows == clean.num_rows + len(rows), t
        keep = sorted(set(range(dirty.num_rows)) - set(rows))
        assert dirty.take(pa.array(keep, pa.int64())).equals(as_text(clean)), t


def test_each_fault_class_is_injected_at_about_its_share(tables, faults) -> None:
    f = faults.to_pandas()
    for t, reasons in INJECTED_REASONS.items():
        n = tables[t][0].num_rows
        for reason in reasons:
            k = int(((f.table == t) & (f.reason == reason)).sum())
            # share x rows per chunk, rounded up or down: within one row per chunk (2 chunks).
            assert abs(k - n * SHARE) <= 2, (t, reason, k, n)
            assert k > 0, (t, reason)


def _is_date(s: str | None) -> bool:
    try:
        dt.date.fromisoformat(s or "")
    except ValueError:
        return False
    return True


def _is_amount(s: str | None) -> bool:
    try:
        return math.isfinite(float(s or ""))
    except ValueError:
        return False


def test_every_recorded_row_carries_its_fault(tables, faults) -> None:
    firms = set(tables["firms"][0]["firm_id"].to_pylist())
    acc = tables["deposit_accounts"][0].to_pandas().set_index("account_id")
    cards = tables["card_accounts"][0].to_pandas().set_index("card_id")
    firms_with_accounts = set(acc.firm_id)
    date_col = {
        "firms": "first_seen",
        "deposit_accounts": "open_date",
        "deposit_transactions": "posted_date",
        "deposit_balances": "date",
        "card_accounts": "open_date",
        "card_statements": "statement_date",
        "card_transactions": "posted_date",
    }
    amount_col = {
        "deposit_accounts": "opening_balance",
        "deposit_transactions": "amount",
        "deposit_balances": "balance",
        "card_accounts": "credit_limit",
        "card_statements": "statement_balance",
        "card_transactions": "amount",
    }
    for t, row, reason in zip(
        faults["table"].to_pylist(),
        faults["row"].to_pylist(),
        faults["reason"].to_pylist(),
        strict=True,
    ):
        r = tables[t][1].slice(row, 1).to_pylist()[0]
        if reason == "missing_value":
            assert any(
                v in (None, "")
                for k, v in r.items()
                if k
                not in ("region", "close_date", "first_seen", "opening_balance", "credit_limit")
            ), (t, r)
        elif reason == "bad_date":
            assert not _is_date(r[date_col[t]]), r
        elif reason == "bad_amount":
            assert not _is_amount(r[amount_col[t]]), r
        elif reason == "unknown_category":
            assert r["category"] not in DEFAULT_CATEGORY_GROUPS
        elif reason == "unknown_kind":
            assert r["kind"] not in CARD_KINDS
        elif reason == "unknown_firm":
            assert r["firm_id"] not in firms
        elif reason == "unknown_account":
            assert r["account_id"] not in acc.index
        elif reason == "unknown_card":
            assert r["card_id"] not in cards.index
        elif reason == "firm_without_deposit_account":
            assert r["firm_id"] not in firms_with_accounts
        elif reason == "duplicate_key":
            key = [r[k] for k in ("account_id", "card_id", "firm_id", "date") if k in r]
            assert key[0] is not None
        elif reason == "outside_account_dates":
            opened = (acc if "account_id" in r else cards).loc[
                r.get("account_id") or r["card_id"], "open_date"
            ]
            assert dt.date.fromisoformat(r[date_col[t]]) < opened
        elif reason == "statement_out_of_order":
            assert dt.date.fromisoformat(r["statement_date"]) < cards.loc[r["card_id"], "open_date"]
        else:
            pytest.fail(f"unexpected reason {reason}")


def test_duplicate_keys_copy_an_existing_row(tables, faults) -> None:
    f = faults.to_pandas()
    for t in ("firms", "deposit_accounts", "card_accounts", "deposit_balances"):
        dirty = tables[t][1].to_pandas().fillna("<null>")
        rows = f[(f.table == t) & (f.reason == "duplicate_key")].row
        assert len(rows) > 0
        for row in rows:
            assert (dirty == dirty.iloc[row]).all(axis=1).sum() >= 2
