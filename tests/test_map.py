"""The map step: a bank's own extract into the contract, every code counted, nothing dropped.

The extract below is written by hand in the shape real extracts take (';'-separated, a
decimal comma, YYMMDD dates, unsigned amounts with a debit/credit column, codes spread
over three columns, and a last line cut in the middle), so every expected number can be
read off it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from econscope.cli import main
from econscope.errors import ConfigError, DataError
from econscope.smallbiz.map import bundled_mapping, load_mapping, map_extract
from econscope.smallbiz.validation import validate

pytestmark = pytest.mark.filterwarnings("ignore::econscope.errors.EconscopeWarning")

ACCOUNTS = '"acct";"opened";"branch"\n576;930105;"Praha"\n7;930110;"Brno"\n'
TRANSACTIONS = (
    '"id";"acct";"day";"dc";"op";"sym";"amt";"bal"\n'
    '1;576;930105;"CR";"DEP";"";"1000,50";"1000,50"\n'
    '2;576;930106;"DR";"WD";"";"200,00";"800,50"\n'
    '3;7;930110;"CR";"XFER";"PENS";"300,00";"300,00"\n'
    '4;7;930111;"DR";"WD";"ZZ";"50,00";"250,00"\n'
    '5;7;930111;"XX";"DEP";"";"5,00";"255,00"\n'
    '6;576;930107;"CR'  # cut mid-row, as a truncated extract ends
)
MAPPING = """
[source]
delimiter = ";"
decimal = ","
date_format = "%y%m%d"

[settings.money]
currency = "CZK"

[tables.firms]
file = "accounts.csv"
columns = { firm_id = "acct", industry = { value = "retail" }, region = "branch" }

[tables.deposit_accounts]
file = "accounts.csv"
columns = { account_id = "acct", firm_id = "acct", open_date = "opened" }

[tables.deposit_transactions]
file = "tx.csv"
columns = { account_id = "acct", posted_date = "day", amount = "amt" }
sign = { column = "dc", credit = ["CR"], debit = ["DR"] }

[tables.deposit_transactions.category]
columns = ["dc", "op", "sym"]
rules = [
  { when = { dc = "CR", op = "DEP" }, category = "sales" },
  { when = { dc = "CR", sym = "PENS" }, category = "other_income" },
  { when = { dc = "DR", op = "WD", sym = "" }, category = "owner_draw" },
]
"""


@pytest.fixture
def extract(tmp_path: Path) -> tuple[Path, Path]:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "accounts.csv").write_text(ACCOUNTS)
    (raw / "tx.csv").write_text(TRANSACTIONS)
    mapping = tmp_path / "bank.toml"
    mapping.write_text(MAPPING)
    return raw, mapping


def test_columns_dates_decimals_and_signs_become_the_contract(extract, tmp_path):
    raw, mapping = extract
    map_extract(raw, mapping, tmp_path / "data")
    tx = pd.read_parquet(tmp_path / "data" / "deposit_transactions.parquet").sort_values("amount")
    by_amount = {r.amount: r for r in tx.itertuples()}
    # row 1: CR 1000,50 on 930105 -> +1000.50 on 1993-01-05, DEP -> sales
    assert by_amount["1000.50"].posted_date == "1993-01-05"
    assert by_amount["1000.50"].category == "sales"
    # row 2: DR 200,00 -> -200.00 (debit), WD with an empty symbol -> owner_draw
    assert by_amount["-200.00"].category == "owner_draw"
    # row 3: CR with symbol PENS -> other_income (the first rule needs op DEP)
    assert by_amount["300.00"].category == "other_income"
    firms = pd.read_parquet(tmp_path / "data" / "firms.parquet")
    assert sorted(firms.firm_id) == ["576", "7"] and set(firms.industry) == {"retail"}


def test_unmapped_codes_are_counted_and_kept_for_the_quarantine(extract, tmp_path):
    raw, mapping = extract
    result = map_extract(raw, mapping, tmp_path / "data")
    unmapped = {(r.what, r.code): r.rows for r in result.unmapped.itertuples()}
    # row 4: DR|WD|ZZ has no rule; row 5: sign XX is neither credit nor debit, and
    # XX|DEP| matches no rule either
    assert unmapped == {("category", "DR|WD|ZZ"): 1, ("category", "XX|DEP|"): 1, ("sign", "XX"): 1}
    report = result.report.set_index("table")
    assert report.loc["deposit_transactions", "rows_unmapped"] == 2  # rows 4 and 5
    # ... and validate quarantines them with their reasons instead of losing them
    v = validate(tmp_path / "data", tmp_path / "validated")
    q = v.quarantine_summary.set_index(["table", "reason"]).rows.to_dict()
    assert q == {
        ("deposit_transactions", "bad_amount"): 1,
        ("deposit_transactions", "unknown_category"): 1,
    }


def test_a_cut_last_line_is_reported_never_dropped_silently(extract, tmp_path):
    raw, mapping = extract
    result = map_extract(raw, mapping, tmp_path / "data")
    r = result.report.set_index("table").loc["deposit_transactions"]
    # six data lines: five read, the sixth cut mid-row
    assert (r.rows_in, r.rows_out, r.rows_unreadable) == (6, 5, 1)
    bad = pd.read_csv(tmp_path / "data" / "mapping" / "unreadable.csv")
    assert bad.text.tolist() == ['6;576;930107;"CR']


def test_the_mapping_settings_become_a_config_file(extract, tmp_path):
    raw, mapping = extract
    result = map_extract(raw, mapping, tmp_path / "data")
    from econscope.config import load_settings

    assert load_settings(result.settings_file).money.currency == "CZK"


def test_a_rerun_with_the_same_inputs_is_reused(extract, tmp_path):
    raw, mapping = extract
    first = map_extract(raw, mapping, tmp_path / "data")
    again = map_extract(raw, mapping, tmp_path / "data")
    assert not first.reused and again.reused


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("[tables.firms]", "[tables.firmz]"), "not a contract table"),
        ((', amount = "amt" }', " }"), r"\['amount'\] are not mapped"),
        (('posted_date = "day"', 'posted_date = "when"'), r"'when' .*is not in tx\.csv"),
        (('category = "sales"', 'nope = "sales"'), "rule 1 needs"),
    ],
)
def test_a_faulty_mapping_is_one_error_naming_the_key(extract, tmp_path, edit, message):
    raw, mapping = extract
    mapping.write_text(MAPPING.replace(*edit))
    with pytest.raises(ConfigError, match=message):
        map_extract(raw, mapping, tmp_path / "data")


def test_a_missing_file_names_it(extract, tmp_path):
    raw, mapping = extract
    (raw / "tx.csv").unlink()
    with pytest.raises(DataError, match=r"tx\.csv"):
        map_extract(raw, mapping, tmp_path / "data")


def test_the_berka_mapping_ships_and_loads():
    spec = load_mapping(bundled_mapping("berka"))
    assert set(spec["tables"]) == {
        "firms",
        "deposit_accounts",
        "deposit_transactions",
        "deposit_balances",
    }
    assert spec["settings"]["money"]["currency"] == "CZK"


def test_cli_map_prints_each_table_and_the_unmapped_codes(extract, tmp_path, capsys):
    raw, mapping = extract
    assert (
        main(["smallbiz", "map", str(raw), "--mapping", str(mapping), "--out", str(tmp_path / "d")])
        == 0
    )
    text = " ".join(capsys.readouterr().out.split())
    assert "5 rows from tx.csv (1 unreadable; 2 with an unmapped code)" in text
    assert "unmapped category of deposit_transactions: 'DR|WD|ZZ' (1 rows)" in text
