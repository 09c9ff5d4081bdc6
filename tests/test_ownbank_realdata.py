"""The Berka walkthrough of docs/own-bank.md on the real PKDD'99 Czech bank extract.

map (the shipped berka.toml) -> validate -> panel -> analyze -> report, exactly as a
bank's analyst would run it. ../shared/data/berka holds the extract (SOURCES.md: 4,500
accounts, the first 49,102 complete transactions of trans.asc, 1993-01 to 1994-03, and
one last line cut mid-row). Expected counts were read off the files: `wc -l` and the
first run (commented where they come from).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from econscope import pipeline
from econscope.config import load_settings
from econscope.smallbiz.map import bundled_mapping, map_extract

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.filterwarnings("ignore::econscope.errors.EconscopeWarning"),
]


@pytest.fixture(scope="module")
def walkthrough(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    berka = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "berka"
    if not berka.is_dir():
        pytest.skip(f"real-data test: {berka} is absent (it ships beside the repo, not in it)")
    root = tmp_path_factory.mktemp("berka")
    mapped = map_extract(berka, bundled_mapping("berka"), root / "data")
    assert mapped.settings_file is not None
    pipeline.run(root / "data", root / "run", load_settings(mapped.settings_file))
    return root / "data", root / "run"


def test_map_reads_every_line_and_maps_every_code(walkthrough):
    data, _ = walkthrough
    report = pd.read_csv(data / "mapping" / "report.csv").set_index("table")
    tx = report.loc["deposit_transactions"]
    # trans.asc: 49,104 lines = header + 49,102 complete rows + the cut last line
    assert (tx.rows_in, tx.rows_out, tx.rows_unreadable) == (49_103, 49_102, 1)
    assert report.rows_unmapped.sum() == 0  # every type/operation/k_symbol has a rule
    assert report.loc["firms", "rows_out"] == 4_500  # account.asc: 4,501 lines


def test_validate_accepts_everything_and_reconciles_within_rounding(walkthrough):
    _, run = walkthrough
    acc = pd.read_csv(run / "validated" / "accounting.csv").set_index("table")
    assert (acc.rows_quarantined == 0).all()
    assert acc.loc["deposit_transactions", "rows_accepted"] == 49_102
    recon = pd.read_csv(run / "validated" / "reconciliation.csv").iloc[0]
    # The bank's balance column against opening balance + transactions: half of the
    # 39,960 end-of-day balances agree exactly, 99% within 0.30 CZK (its rounding of
    # interest); 151 rows of 119 accounts (0.4%) differ by more than 1 CZK.
    assert recon.p50_abs_drift < 0.01 and recon.p99_abs_drift < 1.0
    assert recon.rows_over_tolerance / recon["rows"] < 0.01


def test_the_deposit_only_panel_counts_agree(walkthrough):
    _, run = walkthrough
    funnel = pd.read_csv(run / "panel" / "funnel.csv")
    panel = pd.read_parquet(run / "panel" / "panel.parquet", columns=["firm_id", "card_id"])
    # accounts with a transaction in every month of their data: 1,221 (first run)
    assert funnel.firms_after.iloc[-1] == panel.firm_id.nunique() == 1_221
    assert panel.card_id.isna().all()


def test_the_report_says_czk_everywhere_and_never_dollars(walkthrough):
    _, run = walkthrough
    html = (run / "report.html").read_text()
    text = re.sub(r"<script\b[^>]*>(?!\{).*?</script>", " ", html, flags=re.S)
    assert "1994 CZK" in text
    assert "dollar" not in text.lower() and "US$" not in text
    assert "Deposit-only run" in html


def test_no_key_of_the_run_reaches_a_published_file(walkthrough):
    _, run = walkthrough
    keys = set(pd.read_parquet(run / "validated" / "id_map.parquet").surrogate)
    assert len(keys) == 2 * 4_500  # firm and account keys
    for path in pipeline.published_paths(run):
        for f in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if f.is_file():
                text = f.read_bytes().decode("latin-1")
                # every run of the keys' shape in the text, JavaScript included
                assert not keys & set(re.findall(r"[FAC]-[0-9a-f]{20}", text)), f


def test_every_period_setting_moves_into_1993_1994_with_a_note(walkthrough):
    _, run = walkthrough
    notes = pd.read_csv(run / "results" / "notes.csv", dtype=str).set_index("setting")
    # the data's months with an ADB: 1993-01 to 1994-03 (trans.asc, first complete rows)
    assert notes.loc["results.index_base_month", "value"] == "1993-01"
    assert notes.loc["results.industry_years", "value"] == "[1993, 1994]"
    assert notes.loc["results.findings_window", "value"] == '["1993-01", "1994-03"]'
    assert notes.loc["results.tabA1_revenue_year", "value"] == "1994"
    html = (run / "report.html").read_text()
    assert "Median average daily balance, indexed 1993-01 = 100" in html


def test_the_cash_figures_say_what_they_show_in_czk(walkthrough):
    _, run = walkthrough
    html = (run / "report.html").read_text()
    for table_id in ("fig03", "cashflow"):
        section = re.search(rf'<section id="{table_id}">.*?</section>', html, re.S)
        assert section, table_id
        sentence = re.search(r'<p class="finding">([^<]+)</p>', section.group(0))
        assert sentence, table_id
        assert "1993" in sentence.group(1) or "1994" in sentence.group(1)
    cash = re.search(r'<section id="cashflow">.*?<p class="finding">([^<]+)</p>', html, re.S)
    assert cash and "CZK" in cash.group(1)
    # the card figures are listed once, not drawn
    assert html.count('<section id="card-figures">') == 1
