"""The split counts first and writes a side without rows without another pass over the
rows: that side is still a file with the full schema (econscope.contract.split)."""

from __future__ import annotations

import ibis
import pyarrow.parquet as pq

from econscope.config import EngineConfig
from econscope.contract import (
    ColumnSpec,
    TableSpec,
    apply_rules,
    cast_rules,
    check_columns,
    prepare,
    split,
)
from econscope.engine import connect

SPEC = TableSpec("t", (ColumnSpec("id", "string"), ColumnSpec("amount", "float64")))


def _split(tmp_path, rows: dict[str, list]):
    con = connect(EngineConfig(threads=1))
    source = check_columns(SPEC, None, ibis.memtable(rows))
    staged = apply_rules(prepare(source), cast_rules(SPEC))
    counts = split(
        con,
        staged,
        source,
        accepted_path=tmp_path / "t.parquet",
        quarantine_path=tmp_path / "q.parquet",
    )
    return counts, pq.read_table(tmp_path / "t.parquet"), pq.read_table(tmp_path / "q.parquet")


def test_clean_table_writes_an_empty_quarantine_with_every_column(tmp_path):
    # Two valid rows, one extra column "note": 2 accepted, 0 quarantined; the quarantine
    # file has the original columns (as text) then reason and message.
    counts, accepted, quarantine = _split(
        tmp_path, {"id": ["a", "b"], "amount": ["1", "2"], "note": ["x", "y"]}
    )
    assert (counts.rows_accepted, counts.rows_quarantined) == (2, 0)
    assert accepted.num_rows == 2 and accepted.column_names == ["id", "amount"]
    assert quarantine.num_rows == 0
    assert quarantine.column_names == ["id", "amount", "note", "reason", "message"]


def test_table_without_a_valid_row_writes_an_empty_accepted_table_typed(tmp_path):
    # Both amounts are not numbers: 0 accepted, 2 bad_amount; the accepted file still has
    # the contract's typed columns.
    counts, accepted, quarantine = _split(tmp_path, {"id": ["a", "b"], "amount": ["x", "y"]})
    assert (counts.rows_accepted, counts.rows_quarantined) == (0, 2)
    assert counts.reasons == {"bad_amount": 2}
    assert accepted.num_rows == 0
    assert [(f.name, str(f.type)) for f in accepted.schema] == [
        ("id", "string"),
        ("amount", "double"),
    ]
    assert quarantine.num_rows == 2
