"""Read whole or refuse (issue 13 item 2): every part of a table folder, or a one-line error."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from econscope.engine import connect, read_table
from econscope.errors import DataError


@pytest.fixture
def con():
    return connect()


def _parquet(path: Path, **cols) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(cols), path)


def _rows(con, path: Path) -> int:
    return int(con.execute(read_table(con, path, all_varchar=True).count()))


def test_a_folder_of_parts_is_read_whole_with_capital_extensions(con, tmp_path: Path) -> None:
    t = tmp_path / "firms"
    t.mkdir()
    (t / "part-0.csv").write_text("firm_id,industry\nF1,retail\nF2,retail\n")
    (t / "part-1.CSV").write_text("firm_id,industry\nF3,construction\n")
    (t / "_SUCCESS").write_text("")  # a Spark marker is not a part
    assert _rows(con, t) == 3  # 2 + 1: the capitalised part too


def test_hive_partition_folders_are_read_with_their_partition_column(con, tmp_path: Path) -> None:
    t = tmp_path / "deposit_transactions"
    _parquet(t / "year=2010" / "part-0.parquet", account_id=["A1", "A2"], amount=[1.0, 2.0])
    _parquet(t / "year=2011" / "part-0.Parquet", account_id=["A3"], amount=[3.0])
    table = read_table(con, t)
    assert "year" in table.columns
    df = con.execute(table.order_by("account_id"))
    assert df["year"].astype(int).tolist() == [2010, 2010, 2011]  # 3 rows, from 2 folders


def test_a_folder_mixing_csv_and_parquet_parts_is_refused(con, tmp_path: Path) -> None:
    t = tmp_path / "deposit_transactions"
    _parquet(t / "part-0.parquet", account_id=["A1"], amount=[1.0])
    t.joinpath("part-1.csv").write_text("account_id,amount\nA2,2\n")
    with pytest.raises(DataError, match=r"mixes 1 Parquet and 1 CSV part files.*Hint"):
        read_table(con, t)


def test_an_unknown_file_in_a_table_folder_is_refused(con, tmp_path: Path) -> None:
    t = tmp_path / "firms"
    _parquet(t / "part-0.parquet", firm_id=["F1"])
    (t / "notes.xlsx").write_text("")
    with pytest.raises(DataError, match=r"neither Parquet nor CSV.*notes.xlsx.*Hint"):
        read_table(con, t)


def test_a_column_named_twice_is_refused_not_renamed(con, tmp_path: Path) -> None:
    # DuckDB would read the second 'amount' as 'amount_1' and the first (all 0) would be used
    f = tmp_path / "deposit_transactions.csv"
    f.write_text("account_id,amount,amount\nA1,0,125.5\n")
    with pytest.raises(DataError, match=r"\['amount'\] appear more than once.*Hint"):
        read_table(con, f, all_varchar=True)


def test_a_part_missing_a_column_is_refused(con, tmp_path: Path) -> None:
    t = tmp_path / "firms"
    _parquet(t / "part-0.parquet", firm_id=["F1"], industry=["retail"])
    _parquet(t / "part-1.parquet", firm_id=["F2"])
    with pytest.raises(DataError, match=r"part-1.parquet: part lacks column\(s\) \['industry'\]"):
        read_table(con, t)


def test_an_empty_csv_is_refused_in_words(con, tmp_path: Path) -> None:
    f = tmp_path / "firms.csv"
    f.write_text("")
    with pytest.raises(DataError, match=r"is empty: no header line.*Hint"):
        read_table(con, f, all_varchar=True)


def test_a_latin1_csv_is_named_as_such(con, tmp_path: Path) -> None:
    f = tmp_path / "firms.csv"
    f.write_bytes("firm_id,industry\nF1,café\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"not UTF-8 text.*Hint: re-save the file as UTF-8"):
        con.execute(read_table(con, f, all_varchar=True).count())


def test_a_short_csv_row_is_named_by_line(con, tmp_path: Path) -> None:
    f = tmp_path / "firms.csv"
    f.write_text("firm_id,industry\nF1,retail\nF2\n")
    with pytest.raises(DataError, match=r"line 3 has 1 field\(s\), the header has 2.*Hint"):
        con.execute(read_table(con, f, all_varchar=True).count())


def test_two_sources_for_one_table_stop_validate(tmp_path: Path) -> None:
    from econscope.smallbiz import simulate
    from econscope.smallbiz.validation import validate

    bank = tmp_path / "bank"
    simulate(bank, firms=5, start="2019-01", end="2019-03", seed=1, progress=False)
    (bank / "firms.csv").write_text("firm_id,industry\nF1,retail\n")
    with pytest.raises(DataError, match=r"table 'firms' has 2 sources"):
        validate(bank, tmp_path / "validated")
