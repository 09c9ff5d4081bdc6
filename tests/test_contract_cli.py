"""``econscope smallbiz validate``: exit codes 0 (success), 1 (data error), 2 (usage)."""

from __future__ import annotations

import pytest

from econscope.cli import main
from test_contract_data import Table, clean, write_csv


def test_success_prints_the_accounting_and_the_identity(tmp_path, capsys):
    data = clean()
    data["card_transactions"].add("C1", "2020-01-11", "5", "gift")
    folder = write_csv(tmp_path / "in", data)
    assert main(["smallbiz", "validate", str(folder), "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "card_transactions" in printed
    assert "quarantined card_transactions: 1 unknown_kind" in printed
    assert "rows_in == rows_accepted + rows_quarantined: holds for every table" in printed
    assert (tmp_path / "out" / "accounting.csv").is_file()


def test_settings_options_reach_the_validator(tmp_path, capsys):
    data = clean()
    data["deposit_transactions"].add("A1", "2020-01-07", "5", "lottery")
    folder = write_csv(tmp_path / "in", data)
    args = ["smallbiz", "validate", str(folder), "--out", str(tmp_path / "out")]
    assert main([*args, "-s", 'categories.groups.lottery="operating_inflow"']) == 0
    assert "unknown_category" not in capsys.readouterr().out


def test_data_error_is_exit_1_with_one_line_naming_file_column_and_rule(tmp_path, capsys):
    data = clean()
    t = data["card_accounts"]
    data["card_accounts"] = Table(["card_id", "open_date"], [[r[0], r[2]] for r in t.rows])
    folder = write_csv(tmp_path / "in", data)
    assert main(["smallbiz", "validate", str(folder), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "card_accounts.csv" in err
    assert "column 'firm_id'" in err
    assert "required column missing" in err


@pytest.mark.parametrize(
    "args",
    [
        ["smallbiz", "validate"],  # no DATA_DIR
        ["smallbiz", "validate", "{tmp}"],  # no --out
        ["smallbiz", "validate", "{tmp}/nowhere", "--out", "{tmp}/out"],  # no such folder
        ["smallbiz", "validate", "{tmp}", "--out", "{tmp}/out", "--set", "disclosure.k=0"],
    ],
)
def test_usage_errors_are_exit_2(tmp_path, args):
    assert main([a.format(tmp=tmp_path) for a in args]) == 2
