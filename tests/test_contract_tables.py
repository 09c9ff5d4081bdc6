"""Table-level behaviour: faults that stop validation, clean data, formats, outputs, reuse."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from econscope.config import Settings
from econscope.errors import ConfigError, DataError, EconscopeWarning
from econscope.smallbiz.schema import SCHEMAS
from econscope.smallbiz.validation import ACCOUNTING_COLUMNS, SUMMARY_COLUMNS, validate
from test_contract_data import CLEAN_ROWS, Table, accepted_rows, clean, quarantine_rows, write_csv

# -- faults that stop validation -------------------------------------------------------


def test_missing_required_table_names_the_file(tmp_path, con):
    data = clean()
    del data["card_statements"]
    with pytest.raises(DataError, match="required table missing") as info:
        validate(write_csv(tmp_path / "in", data), tmp_path / "out", con=con)
    assert info.value.file.endswith("card_statements.parquet")
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_output_folder_must_not_be_the_data_folder(tmp_path, con):
    folder = write_csv(tmp_path / "in", clean())
    with pytest.raises(ConfigError, match="is the data folder"):
        validate(folder, folder, con=con)
    assert (folder / "firms.csv").exists()


def test_missing_data_folder(tmp_path, con):
    with pytest.raises(DataError, match="data folder not found"):
        validate(tmp_path / "nowhere", tmp_path / "out", con=con)


def test_missing_required_column_names_file_and_column(tmp_path, con):
    data = clean()
    t = data["deposit_transactions"]
    data["deposit_transactions"] = Table(t.columns[:3], [r[:3] for r in t.rows])
    with pytest.raises(DataError, match="required column missing") as info:
        validate(write_csv(tmp_path / "in", data), tmp_path / "out", con=con)
    assert info.value.column == "category"
    assert info.value.file.endswith("deposit_transactions.csv")


def test_unreadable_parquet_file(tmp_path, con):
    folder = write_csv(tmp_path / "in", clean())
    (folder / "firms.csv").unlink()
    (folder / "firms.parquet").write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(DataError, match="unreadable") as info:
        validate(folder, tmp_path / "out", con=con)
    assert info.value.file.endswith("firms.parquet")


def test_unreadable_csv_file(tmp_path, con):
    folder = write_csv(tmp_path / "in", clean())
    # A row with more fields than the header, far enough down that the sniffer misses it.
    body = "card_id,posted_date,amount,kind\n" + "C1,2020-01-10,50,purchase\n" * 3000
    (folder / "card_transactions.csv").write_text(body + 'C1,"2020-01-11,5,purchase,x,y\n')
    with pytest.raises(DataError) as info:
        validate(folder, tmp_path / "out", con=con)
    assert info.value.file.endswith("card_transactions.csv")


def test_date_column_where_no_value_parses_is_a_table_error(tmp_path, con):
    # Every posted_date in US format: the file is in another format, not a few bad rows.
    data = clean()
    for row in data["deposit_transactions"].rows:
        y, m, d = str(row[1]).split("-")
        row[1] = f"{m}/{d}/{y}"
    with pytest.raises(DataError, match="cannot be cast to date") as info:
        validate(write_csv(tmp_path / "in", data), tmp_path / "out", con=con)
    assert info.value.column == "posted_date"
    assert "01/05/2020" in str(info.value)


def test_amount_column_where_no_value_parses_is_a_table_error(tmp_path, con):
    data = clean()
    for row in data["card_statements"].rows:
        row[2] = f"${row[2]}"
    with pytest.raises(DataError, match="cannot be cast to float64") as info:
        validate(write_csv(tmp_path / "in", data), tmp_path / "out", con=con)
    assert info.value.column == "statement_balance"


def test_parquet_column_of_an_incompatible_type_is_a_table_error(tmp_path, con):
    folder = write_csv(tmp_path / "in", clean())
    (folder / "card_accounts.csv").unlink()
    pq.write_table(
        pa.table(
            {
                "card_id": ["C1", "C2"],
                "firm_id": ["F1", "F2"],
                "open_date": pa.array([True, False]),
            }
        ),
        folder / "card_accounts.parquet",
    )
    with pytest.raises(DataError, match="cannot hold a date") as info:
        validate(folder, tmp_path / "out", con=con)
    assert info.value.column == "open_date"


def test_a_column_with_some_good_values_is_checked_row_by_row(tmp_path, con):
    # One parseable date among bad ones: not a table error, the bad rows are quarantined.
    data = clean()
    for row in data["card_transactions"].rows[1:]:
        row[1] = "yesterday"
    result = validate(write_csv(tmp_path / "in", data), tmp_path / "out", con=con)
    assert result.accounting.set_index("table").loc["card_transactions", "rows_quarantined"] == 2


# -- clean data, formats, optional parts -----------------------------------------------


def test_clean_dataset_is_accepted_fully(tmp_path, con):
    result = validate(write_csv(tmp_path / "in", clean()), tmp_path / "out", con=con)
    acc = result.accounting.set_index("table")
    assert acc.rows_in.to_dict() == CLEAN_ROWS
    assert acc.rows_accepted.to_dict() == CLEAN_ROWS
    assert acc.rows_quarantined.sum() == 0
    assert result.quarantine_summary.empty
    assert not result.reused


def test_accepted_tables_have_the_shared_schema(tmp_path, con):
    validate(write_csv(tmp_path / "in", clean()), tmp_path / "out", con=con)
    types = {"string": pa.string(), "date": pa.date32(), "float64": pa.float64()}
    for name, spec in SCHEMAS.items():
        schema = pq.read_schema(tmp_path / "out" / f"{name}.parquet")
        assert schema.names == list(spec.names), name
        assert [schema.field(c.name).type for c in spec] == [types[c.dtype] for c in spec]
    (a1,) = [r for r in accepted_rows(tmp_path / "out", "deposit_accounts") if r["firm_id"] == "F1"]
    assert a1 == {
        "account_id": "A1",
        "firm_id": "F1",
        "open_date": dt.date(2020, 1, 1),
        "close_date": None,
        "opening_balance": None,
    }


def test_typed_parquet_input_and_part_file_folders(tmp_path, con):
    # The clean data as typed Parquet (dates as dates, money as doubles, ids as integers
    # for card_statements' card ids is not allowed, so they stay text), one table as a
    # folder of two part files: accepted exactly as the CSV version.
    folder = tmp_path / "in"
    folder.mkdir()
    for name, table in clean().items():
        spec = SCHEMAS[name]
        columns = {}
        for i, col in enumerate(table.columns):
            values = [row[i] for row in table.rows]
            kind = spec.column(col).dtype
            if kind == "date":
                columns[col] = pa.array(
                    [dt.date.fromisoformat(v) if v else None for v in values], pa.date32()
                )
            elif kind == "float64":
                columns[col] = pa.array([float(v) if v else None for v in values], pa.float64())
            else:
                columns[col] = pa.array(values, pa.string())
        arrow = pa.table(columns)
        if name == "deposit_transactions":
            (folder / name).mkdir()
            pq.write_table(arrow.slice(0, 2), folder / name / "part-0.parquet")
            pq.write_table(arrow.slice(2), folder / name / "part-1.parquet")
        else:
            pq.write_table(arrow, folder / f"{name}.parquet")
    result = validate(folder, tmp_path / "out", con=con)
    acc = result.accounting.set_index("table")
    assert acc.rows_accepted.to_dict() == CLEAN_ROWS
    csv_out = tmp_path / "csv_out"
    validate(write_csv(tmp_path / "csv_in", clean()), csv_out, con=con)
    for name in SCHEMAS:
        assert accepted_rows(tmp_path / "out", name) == accepted_rows(csv_out, name), name


def test_integer_ids_in_parquet_are_read_as_text(tmp_path, con):
    folder = write_csv(tmp_path / "in", clean())
    (folder / "firms.csv").unlink()
    pq.write_table(
        pa.table({"firm_id": [1, 2], "industry": ["retail", "retail"]}), folder / "firms.parquet"
    )
    with pytest.warns(EconscopeWarning) as caught:  # nothing accepted is never silent
        result = validate(folder, tmp_path / "out", con=con)
    said = [str(w.message) for w in caught]
    assert any(m.startswith("firms: none of 2 rows accepted") for m in said)
    assert any(m.startswith("deposit_accounts: none of 2 rows accepted") for m in said)
    # Firms "1" and "2" exist, but the accounts name F1 and F2: a clear cascade, no crash.
    assert {r["firm_id"] for r in quarantine_rows(tmp_path / "out", "firms")} == {"1", "2"}
    assert result.identity_holds


def test_optional_balances_table_may_be_absent(tmp_path, con):
    data = clean()
    del data["deposit_balances"]
    result = validate(write_csv(tmp_path / "in", data), tmp_path / "out", con=con)
    row = result.accounting.set_index("table").loc["deposit_balances"]
    assert (row.rows_in, row.rows_accepted, row.rows_quarantined) == (0, 0, 0)
    assert "optional table absent" in row.notes
    assert not (tmp_path / "out" / "deposit_balances.parquet").exists()
    assert "deposit_balances" not in result.tables


def test_optional_columns_absent_become_nulls_and_extra_columns_are_noted(tmp_path, con):
    data = clean()
    data["firms"] = Table(["firm_id", "industry", "segment"])
    data["firms"].add("F1", "retail", "gold").add("F2", "construction", "silver")
    data["firms"].add("F3", "retail", "bronze")  # no deposit account: quarantined
    result = validate(write_csv(tmp_path / "in", data), tmp_path / "out", con=con)
    notes = result.accounting.set_index("table").loc["firms", "notes"]
    assert "optional columns absent, filled with nulls: region, first_seen" in notes
    assert "columns outside the contract, kept only in the quarantine: segment" in notes
    rows = accepted_rows(tmp_path / "out", "firms")
    assert rows[0] == {"firm_id": "F1", "industry": "retail", "region": None, "first_seen": None}
    (q,) = quarantine_rows(tmp_path / "out", "firms")
    assert q["segment"] == "bronze"


# -- outputs and reuse -----------------------------------------------------------------


def test_output_files_and_their_columns(tmp_path, con):
    data = clean()
    data["card_transactions"].add("C1", "2020-01-11", "5", "gift")
    data["card_transactions"].add("C1", "2020-01-12", "5", "gift")
    out = tmp_path / "out"
    result = validate(write_csv(tmp_path / "in", data), out, con=con)
    accounting = pd.read_csv(out / "accounting.csv")
    assert tuple(accounting.columns) == ACCOUNTING_COLUMNS
    summary = pd.read_csv(out / "quarantine_summary.csv")
    assert tuple(summary.columns) == SUMMARY_COLUMNS
    assert summary.values.tolist() == [["card_transactions", "unknown_kind", 2]]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["stage"] == "validate"
    assert manifest["rows"]["card_transactions"] == 3
    assert manifest["rows"]["quarantine/card_transactions"] == 2
    assert set(manifest["inputs"]) == set(SCHEMAS)
    assert result.tables["firms"] == out / "firms.parquet"
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging left


def test_rerun_with_same_inputs_and_settings_reuses(tmp_path, con):
    folder = write_csv(tmp_path / "in", clean())
    first = validate(folder, tmp_path / "out", con=con)
    again = validate(folder, tmp_path / "out", con=con)
    assert not first.reused and again.reused
    pd.testing.assert_frame_equal(first.accounting, again.accounting)
    other = validate(
        folder, tmp_path / "out", Settings().with_overrides(["disclosure.k=5"]), con=con
    )
    assert not other.reused


def test_changed_input_reruns_and_removes_a_table_gone_from_the_input(tmp_path, con):
    folder = write_csv(tmp_path / "in", clean())
    validate(folder, tmp_path / "out", con=con)
    (folder / "deposit_balances.csv").unlink()
    result = validate(folder, tmp_path / "out", con=con)
    assert not result.reused
    assert not (tmp_path / "out" / "deposit_balances.parquet").exists()
