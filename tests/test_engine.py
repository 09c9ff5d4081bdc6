"""Engine: connect, read Parquet/CSV tables and part folders, write atomically."""

from __future__ import annotations

from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from econscope.config import EngineConfig
from econscope.engine import atomic_path, connect, find_table_file, read_table, write_parquet
from econscope.errors import DataError, EngineGapError


def test_reads_parquet_csv_and_part_folders(con, tmp_path: Path) -> None:
    pq.write_table(pa.table({"x": [1, 2]}), tmp_path / "a.parquet")
    (tmp_path / "b.csv").write_text("x\n3\n4\n")
    parts = tmp_path / "c"
    parts.mkdir()
    pq.write_table(pa.table({"x": [5]}), parts / "part-0.parquet")
    pq.write_table(pa.table({"x": [6]}), parts / "part-1.parquet")
    totals = [
        int(con.execute(read_table(con, tmp_path / n).x.cast("int64").sum()))
        for n in ("a.parquet", "b.csv", "c")
    ]
    assert totals == [3, 7, 11]


def test_csv_all_varchar_keeps_text(duckdb_con, tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("d\n2021-02-30\n")
    t = read_table(duckdb_con, tmp_path / "t.csv", all_varchar=True)
    assert t.schema()["d"].is_string()


def test_find_table_file_finds_one_source_and_refuses_two(tmp_path: Path) -> None:
    assert find_table_file(tmp_path, "firms") is None
    (tmp_path / "firms.CSV").write_text("firm_id\n")  # any case of extension
    assert find_table_file(tmp_path, "firms") == tmp_path / "firms.CSV"
    # issue 13: Parquet used to win silently over a CSV holding other values
    (tmp_path / "firms.parquet").write_bytes(b"")
    with pytest.raises(DataError, match=r"2 sources \(firms.CSV, firms.parquet\).*Hint"):
        find_table_file(tmp_path, "firms")


def test_missing_and_unknown_files_are_data_errors(duckdb_con, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="file not found"):
        read_table(duckdb_con, tmp_path / "nope.parquet")
    (tmp_path / "x.xlsx").write_text("")
    with pytest.raises(DataError, match="unknown table format"):
        read_table(duckdb_con, tmp_path / "x.xlsx")
    (tmp_path / "broken.parquet").write_text("not parquet")
    with pytest.raises(DataError, match="unreadable parquet file"):
        read_table(duckdb_con, tmp_path / "broken.parquet")


def test_write_parquet_from_expression_and_arrow(duckdb_con, tmp_path: Path) -> None:
    expr = ibis.memtable({"x": [1, 2, 3]})
    write_parquet(duckdb_con.create_table("t", expr), tmp_path / "e.parquet")
    write_parquet(pa.table({"x": [4]}), tmp_path / "a.parquet")
    assert pq.read_table(tmp_path / "e.parquet").num_rows == 3
    assert pq.read_table(tmp_path / "a.parquet").num_rows == 1


def test_atomic_path_leaves_nothing_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("partial")
        raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_atomic_path_replaces_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    with atomic_path(target) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_duckdb_file_database_with_limits(tmp_path: Path) -> None:
    cfg = EngineConfig(
        database=tmp_path / "w.duckdb", memory_limit="1GB", threads=1, temp_directory=tmp_path
    )
    con = connect(cfg)
    assert con.con.execute("SELECT current_setting('threads')").fetchone()[0] == 1
    assert (tmp_path / "w.duckdb").exists()


def test_spark_without_pyspark_is_a_declared_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_pyspark(name: str, *args, **kwargs):
        if name.startswith("pyspark"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyspark)
    with pytest.raises(EngineGapError, match="econscope\\[spark\\]"):
        connect(EngineConfig(backend="pyspark"))
