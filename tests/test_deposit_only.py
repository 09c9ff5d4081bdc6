"""Deposit-only runs: a bank without card tables gets the cash side of the report.

One firm, one account, two months, every number computed by hand below:

    A1 opens 2021-01-01 with 1,000. Transactions: 2021-01-10 +500 sales,
    2021-01-20 -300 rent, 2021-02-15 +100 sales, 2021-02-16 -50 rent.

    January end-of-day balances: 1,000 x 9 days + 1,500 x 10 + 1,200 x 12 = 38,400
        -> ADB 38,400 / 31 = 1,238.709677...
    February: 1,200 x 14 + 1,300 x 1 + 1,250 x 13 = 34,350 -> ADB 34,350 / 28 = 1,226.785714...
    Cash buffer days (min_history_days = 1, the window from the first day with data):
        January 38,400 / 300 = 128.0; February (38,400 + 34,350) / (300 + 50) = 207.857142...
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from econscope import pipeline
from econscope.config import load_settings
from econscope.errors import EconscopeError, EconscopeWarning
from econscope.smallbiz.panel import build_panel
from econscope.smallbiz.validation import validate
from test_contract_data import Table, write_csv

pytestmark = pytest.mark.filterwarnings("ignore::econscope.errors.EconscopeWarning")

OVERRIDES = [
    "sample.min_monthly_transactions=1",
    "sample.min_monthly_outflows=0",
    "buffer.min_history_days=1",
    "prices.deflate=false",
    "disclosure.k=1",
    "disclosure.median_min_firms=1",  # one firm: the money medians are its own values
]


def bank() -> dict[str, Table]:
    return {
        "firms": Table(["firm_id", "industry"]).add("F1", "retail"),
        "deposit_accounts": Table(["account_id", "firm_id", "open_date", "opening_balance"]).add(
            "A1", "F1", "2021-01-01", "1000"
        ),
        "deposit_transactions": Table(["account_id", "posted_date", "amount", "category"])
        .add("A1", "2021-01-10", "500", "sales")
        .add("A1", "2021-01-20", "-300", "rent")
        .add("A1", "2021-02-15", "100", "sales")
        .add("A1", "2021-02-16", "-50", "rent"),
    }


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("deposits")
    data = write_csv(root / "bank", bank())
    out = root / "run"
    pipeline.run(data, out, load_settings(overrides=OVERRIDES))
    return out


def test_a_bank_without_card_tables_validates(run):
    accounting = pd.read_csv(run / "validated" / "accounting.csv").set_index("table")
    assert accounting.loc["deposit_transactions", "rows_accepted"] == 4
    assert accounting.loc["card_statements", "rows_in"] == 0
    assert "deposit-only" in accounting.loc["card_statements", "notes"]


def test_the_panel_has_one_row_per_firm_month_with_every_deposit_measure(run):
    p = pd.read_parquet(run / "panel" / "panel.parquet").sort_values("statement_date")
    assert [str(d)[:10] for d in p.statement_date] == ["2021-01-31", "2021-02-28"]
    assert [str(d)[:10] for d in p.cycle_start] == ["2021-01-01", "2021-02-01"]
    assert p.adb.tolist() == pytest.approx([38_400 / 31, 34_350 / 28])
    assert p.revenues.tolist() == [500.0, 100.0]
    assert p.expenses.tolist() == [300.0, 50.0]
    assert p.net_cash_flow.tolist() == [200.0, 50.0]
    assert p.cash_buffer_days.tolist() == pytest.approx([128.0, 72_750 / 350])
    # no card: every card column is empty, never a made-up transactor
    assert p.card_id.isna().all() and p.revolving.isna().all()
    assert p.statement_balance.isna().all()
    # prices.deflate = false: real money is the nominal money
    assert p.adb_real.tolist() == pytest.approx(p.adb.tolist())


def test_the_cash_figures_are_published(run):
    cash = pd.read_csv(run / "results" / "cashflow.csv")
    jan = cash[cash.month == "2021-01-01"].set_index("measure").value
    assert jan["median_revenues"] == 500.0
    assert jan["median_cash_buffer_days"] == pytest.approx(128.0)
    fig03 = pd.read_csv(run / "results" / "fig03.csv")
    index = fig03[fig03.measure == "median_adb_index"].value.tolist()
    # the configured base 2020-01 is outside the data: the base is the first month
    assert index == pytest.approx([100.0, (34_350 / 28) / (38_400 / 31) * 100])


def test_the_report_notes_why_card_figures_are_empty(run):
    notes = pd.read_csv(run / "results" / "notes.csv")
    assert "deposits_only" in notes.value.tolist()
    html = (run / "report.html").read_text()
    assert "Deposit-only run" in html and "Needs card data" in html
    models = pd.read_csv(run / "results" / "models.csv")
    assert models.empty  # nothing to fit without revolving


def test_deposits_only_can_be_asked_for_when_cards_exist(tmp_path):
    from test_contract_data import clean

    validated = tmp_path / "validated"
    validate(write_csv(tmp_path / "in", clean()), validated)
    s = load_settings(overrides=[*OVERRIDES, "sample.deposits_only=true"])
    panel = build_panel(validated, tmp_path / "panel", s)
    p = pd.read_parquet(panel.panel_path)
    assert p.card_id.isna().all() and len(p) > 0


def test_an_empty_panel_is_a_warning_naming_the_filter(tmp_path):
    validated = tmp_path / "validated"
    validate(write_csv(tmp_path / "in", bank()), validated)
    s = load_settings(overrides=["sample.min_monthly_transactions=5"])  # two a month here
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EconscopeWarning)
        result = build_panel(validated, tmp_path / "panel", s)
    assert result.rows["panel"] == 0
    ours = [str(w.message) for w in caught if issubclass(w.category, EconscopeWarning)]
    assert any("the panel is empty" in w and "'active'" in w for w in ours)


def test_the_panel_pointed_at_a_raw_folder_says_to_validate_first(tmp_path):
    raw = write_csv(tmp_path / "raw", bank())  # CSV: every column is text, no types
    for name in ("firms", "deposit_accounts", "deposit_transactions"):
        pd.read_csv(raw / f"{name}.csv", dtype=str).to_parquet(raw / f"{name}.parquet")
        (raw / f"{name}.csv").unlink()
    with pytest.raises(EconscopeError, match="validate"):
        build_panel(raw, tmp_path / "panel")


def test_cli_panel_deposits_only_names_its_rows_and_both_firm_counts(tmp_path, capsys):
    from econscope.cli import main
    from test_contract_data import clean

    validated = tmp_path / "validated"
    validate(write_csv(tmp_path / "in", clean()), validated)
    sets = [a for o in OVERRIDES for a in ("-s", o)]
    argv = ["smallbiz", "panel", str(validated), "--out", str(tmp_path / "p"), "--deposits-only"]
    assert main([*argv, *sets]) == 0
    text = " ".join(capsys.readouterr().out.split())
    # clean(): F1's A1 has transactions in January 2020 only: one firm-month. F2's A2 opens
    # on 2020-01-01 and has its only transaction on 2020-02-01: January has none, so F2
    # is not active (funnel: 2 -> 1 firms, 3 -> 1 firm-months).
    assert "(1 firm-months of 1 firms; 1 firms passed the sample filters)" in text
    assert "1. active: firms 2 -> 1, rows 3 -> 1" in text
