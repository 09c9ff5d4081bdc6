"""The synthetic bank is seeded, chunked and written in the accepted schema."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from econscope.smallbiz.sim.simulate import CONTRACT_TABLES, simulate

# The accepted (validated) schemas of BRIEF_COMMON.md, "Accepted (validated) table schemas".
ACCEPTED = {
    "firms": [
        ("firm_id", pa.string()),
        ("industry", pa.string()),
        ("region", pa.string()),
        ("first_seen", pa.date32()),
    ],
    "deposit_accounts": [
        ("account_id", pa.string()),
        ("firm_id", pa.string()),
        ("open_date", pa.date32()),
        ("close_date", pa.date32()),
        ("opening_balance", pa.float64()),
    ],
    "deposit_transactions": [
        ("account_id", pa.string()),
        ("posted_date", pa.date32()),
        ("amount", pa.float64()),
        ("category", pa.string()),
    ],
    "deposit_balances": [
        ("account_id", pa.string()),
        ("date", pa.date32()),
        ("balance", pa.float64()),
    ],
    "card_accounts": [
        ("card_id", pa.string()),
        ("firm_id", pa.string()),
        ("open_date", pa.date32()),
        ("close_date", pa.date32()),
        ("credit_limit", pa.float64()),
    ],
    "card_statements": [
        ("card_id", pa.string()),
        ("statement_date", pa.date32()),
        ("statement_balance", pa.float64()),
    ],
    "card_transactions": [
        ("card_id", pa.string()),
        ("posted_date", pa.date32()),
        ("amount", pa.float64()),
        ("kind", pa.string()),
    ],
}
KW = {"firms": 30, "start": "2019-01", "end": "2020-12", "progress": False}


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.suffix in {".parquet", ".json"}
    }


@pytest.fixture(scope="module")
def banks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for name, seed, chunk in (("a", 1, 7), ("a_again", 1, 7), ("b", 2, 7), ("a_one_chunk", 1, 30)):
        out[name] = tmp_path_factory.mktemp(name)
        simulate(out[name], seed=seed, chunk_firms=chunk, **KW)
    out["a_no_balances"] = tmp_path_factory.mktemp("a_no_balances")
    simulate(out["a_no_balances"], seed=1, chunk_firms=7, balances=False, **KW)
    return out


def test_the_same_seed_writes_byte_identical_files(banks: dict[str, Path]) -> None:
    a, again = _digests(banks["a"]), _digests(banks["a_again"])
    assert len(a) == 9  # seven tables, truth, simulation.json
    assert a == again


def test_leaving_out_balances_changes_no_other_table(banks: dict[str, Path]) -> None:
    a, lean = _digests(banks["a"]), _digests(banks["a_no_balances"])
    assert "deposit_balances.parquet" not in lean
    assert {k: v for k, v in a.items() if k.endswith(".parquet") and k in lean} == {
        k: v for k, v in lean.items() if k.endswith(".parquet")
    }


def test_another_seed_writes_other_data(banks: dict[str, Path]) -> None:
    a, b = _digests(banks["a"]), _digests(banks["b"])
    assert all(a[name] != b[name] for name in a)


def test_chunking_changes_the_draws_not_the_bank(banks: dict[str, Path]) -> None:
    # Each chunk has its own seed stream, so the files depend on chunk_firms; the bank's
    # size does not: same firms, and transaction volumes within a loose 25% band.
    many = {t: pq.read_metadata(banks["a"] / f"{t}.parquet").num_rows for t in CONTRACT_TABLES}
    one = {
        t: pq.read_metadata(banks["a_one_chunk"] / f"{t}.parquet").num_rows for t in CONTRACT_TABLES
    }
    assert many["firms"] == one["firms"] == 30
    for t in ("deposit_transactions", "card_transactions", "card_statements"):
        assert abs(many[t] / one[t] - 1) < 0.25, (t, many[t], one[t])
    # One row group per chunk: 30 firms in chunks of 7 -> 5 row groups.
    assert pq.read_metadata(banks["a"] / "firms.parquet").num_row_groups == 5


@pytest.mark.parametrize("table", CONTRACT_TABLES)
def test_every_table_has_the_accepted_schema(banks: dict[str, Path], table: str) -> None:
    schema = pq.read_schema(banks["a"] / f"{table}.parquet")
    assert [(f.name, f.type) for f in schema] == ACCEPTED[table]


def test_identifiers_are_opaque_and_distinct_across_tables(banks: dict[str, Path]) -> None:
    folder = banks["a"]
    firms = set(pq.read_table(folder / "firms.parquet")["firm_id"].to_pylist())
    accounts = set(pq.read_table(folder / "deposit_accounts.parquet")["account_id"].to_pylist())
    cards = set(pq.read_table(folder / "card_accounts.parquet")["card_id"].to_pylist())
    everything = firms | accounts | cards
    assert len(everything) == len(firms) + len(accounts) + len(cards)
    assert all(re.fullmatch(r"[0-9a-f]{16}", x) for x in everything)
