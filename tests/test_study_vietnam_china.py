"""The Vietnam-China study on its facts file alone: DESIGN.md's examples, one test each.

Provenance of the inputs: the article seeds/000_e4ee9b5e919aefdf.txt (2022-05-08), read
into src/econscope/economies/vietnam_china/facts.yaml; the expected verdicts are the ones
DESIGN.md ("economies: the Vietnam-China study and its claims ledger") lists.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from econscope.cli import main
from econscope.economies.ledger import VERDICTS
from econscope.economies.study import LEDGER_COLUMNS, load_study, run_study
from econscope.economies.vietnam_china import FACTS_FILE
from econscope.errors import ConfigError


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    return run_study("vietnam-china", tmp_path_factory.mktemp("vc"), report=False)


# ------------------------------------------------------------------ the facts file
def test_every_fact_has_its_sentence_period_concept_and_vintage():
    facts = yaml.safe_load(FACTS_FILE.read_text(encoding="utf-8"))["facts"]
    assert len(facts) >= 100
    for f in facts:
        for field in ("quote", "period", "concept", "vintage", "source", "raw"):
            assert str(f[field]).strip(), (f["fact_id"], field)


def test_mangled_magnitudes_are_read_as_the_original_meant():
    facts = {f["fact_id"]: f for f in yaml.safe_load(FACTS_FILE.read_text())["facts"]}
    # "1763.5 Billion dollars" = 1763.5亿美元 = US$176.35 bn (DESIGN.md)
    assert facts["vnm_trade_total_2022q1"]["value"] == pytest.approx(176.35e9)
    # "9800 ten thousand" = 9800万 = 98 million (DESIGN.md)
    assert facts["vnm_population_2022q1"]["value"] == pytest.approx(98e6)
    # "5921 One hundred million yuan" = 5921亿元 = CNY 592.1 bn (DESIGN.md)
    assert facts["vnm_exports_2022q1_a_cny"]["value"] == pytest.approx(592.1e9)
    # "74.36 RMB 100 million" = 74.36万亿元 = CNY 74.36 tn (万 dropped by the translation)
    assert facts["chn_gdp_cny_2016"]["value"] == pytest.approx(74.36e12)


def test_the_core_reader_reads_every_fact_and_finds_the_sizes_plausible():
    from econscope.economies.readers import read_facts

    res = read_facts(FACTS_FILE)
    assert res.counts()["rejected"] == 0
    plaus = {r["plausibility"] for r in res.checks.to_pylist()}
    assert plaus <= {"plausible", "unchecked"}


# ------------------------------------------------------------------ DESIGN.md examples
def test_jan_apr_2022_surplus_is_the_fdi_surplus_less_the_domestic_deficit(study):
    # 11.73 - 9.20 = 2.53 (US$ bn), exactly as printed
    c = study.claim("jan_apr_2022_balance_by_sector")
    assert c.value == pytest.approx(2.53e9)
    assert c.verdict == "consistent"


def test_jan_apr_2022_exports_are_the_two_sectors_exports(study):
    # 90.59 + 31.77 = 122.36 (US$ bn)
    c = study.claim("jan_apr_2022_exports_by_sector")
    assert c.value == pytest.approx(122.36e9)
    assert c.verdict == "consistent"


def test_jan_apr_2022_sector_shares_are_74_and_26_percent(study):
    # 90.59 / 122.36 = 74.04% -> 74%; 31.77 / 122.36 = 25.96% -> 26%
    fdi = study.claim("jan_apr_2022_fdi_sector_export_share")
    dom = study.claim("jan_apr_2022_domestic_export_share")
    assert fdi.value == pytest.approx(100 * 90.59 / 122.36)
    assert dom.value == pytest.approx(100 * 31.77 / 122.36)
    assert (fdi.verdict, dom.verdict) == ("consistent", "consistent")


def test_sector_growth_of_14_7_and_21_6_percent_implies_16_4_in_total(study):
    # last year: 90.59/1.147 + 31.77/1.216 = 78.980 + 26.127 = 105.107; 122.36/105.107 - 1
    c = study.claim("jan_apr_2022_export_growth_from_sectors")
    assert c.value == pytest.approx(100 * (122.36 / (90.59 / 1.147 + 31.77 / 1.216) - 1))
    assert round(c.value, 1) == 16.4
    assert c.verdict == "consistent"


def test_fdi_sources_imply_a_total_near_31_billion(study):
    # (10.7 + 5.0 + 3.9 + 2.9 + 2.3) / (34.4 + 15.9 + 12.5 + 9.3 + 7.4)% = 24.8 / 0.795
    # = US$31.19 bn, not 31.0; inside the rounding of the printed amounts and shares
    c = study.claim("fdi_2021_sources_imply_total")
    assert c.value == pytest.approx(24.8e9 / 0.795)
    assert c.verdict == "consistent_within_rounding"


def test_fdi_total_read_as_the_balance_of_payments_inflow_compares_different_concepts(study):
    # registered capital (Foreign Investment Agency) is not the BoP net inflow
    c = study.claim("fdi_2021_total_as_inflow")
    assert c.verdict == "different_concepts"
    assert "fdi_registered_capital" in c.note


def test_chinas_higher_mean_growth_holds_for_2016_2021_but_not_2016_2019(study):
    # China (6.7+6.9+6.6+6.0+2.2+8.1)/6 = 6.083 vs Vietnam
    # (6.21+6.81+7.08+7.02+2.91+2.58)/6 = 5.435; over 2016-2019: 6.55 vs 6.78
    c = study.claim("chn_mean_growth_above_vnm_2016_2021")
    assert "CHN 6.08% vs VNM 5.44%" in c.recomputed
    assert c.verdict == "window_dependent"
    assert "2016-2019 (CHN 6.55% vs VNM 6.78%)" in c.note


def test_samsung_revenue_at_a_fifth_of_gdp_compares_gross_revenue_with_value_added(study):
    # 74.2 / 362.619 = 20.46% ("about 20%")
    c = study.claim("samsung_vietnam_revenue_to_gdp_2021")
    assert c.value == pytest.approx(100 * 74.2 / 362.619)
    assert c.verdict == "different_concepts"


def test_sinopec_revenue_at_2_4_percent_of_gdp_compares_different_concepts(study):
    # 27409 / 1143670 = 2.397% -> 2.4%
    c = study.claim("sinopec_revenue_to_gdp_2021")
    assert c.value == pytest.approx(100 * 27409 / 1143670)
    assert c.verdict == "different_concepts"


def test_two_versions_of_q1_2022_exports_mix_vintages(study):
    # 592.1 / 88.58 = 6.684 CNY/USD and 584.2 / 89.1 = 6.557 CNY/USD: two releases,
    # two conversions of one figure
    c = study.claim("q1_2022_exports_two_versions")
    assert c.verdict == "mixes_vintages"
    assert "6.684" in c.recomputed and "6.557" in c.recomputed


# ------------------------------------------------------------------ the other claims
def test_a_level_from_before_a_revaluation_joined_to_one_after_mixes_vintages(study):
    # 362.6 / 204.6 - 1 = 77.2%: 2016 on GSO's old base, 2021 after the 2019 revaluation
    c = study.claim("gdp_scale_2016_2021")
    assert c.value == pytest.approx(100 * (362.6 / 204.6 - 1))
    assert c.verdict == "mixes_vintages"


def test_claims_the_article_cannot_support_say_what_would_check_them(study):
    for cid in ("q1_2022_trade_vs_guangdong", "fdi_2021_growth", "chn_gdp_2016_in_usd"):
        c = study.claim(cid)
        assert c.verdict == "not_checkable"
        assert "What would check it:" in c.note


def test_without_data_the_data_check_column_says_it_was_not_run(study):
    assert set(study.ledger["data_check"]) == {"not run: no data files given"}


# ------------------------------------------------------------------ outputs
def test_the_ledger_has_exactly_the_published_columns_and_verdict_names(study):
    with study.ledger_path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == LEDGER_COLUMNS
    assert {r["verdict"] for r in rows} <= set(VERDICTS)
    assert len(rows) == len(load_study("vietnam-china").claims)


def test_observations_parquet_has_the_design_schema(study):
    table = pq.read_table(study.observations_path)
    assert table.column_names == [
        "entity", "indicator", "period", "value", "unit", "concept", "source", "vintage",
    ]  # fmt: skip
    assert table.num_rows == len(yaml.safe_load(FACTS_FILE.read_text())["facts"])


def test_a_rerun_with_the_same_inputs_reuses_the_outputs(study):
    again = run_study("vietnam-china", study.out_dir, report=False)
    assert again.reused
    assert again.verdicts() == study.verdicts()


def test_an_unknown_study_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigError, match="no study"):
        run_study("no-such-study", tmp_path)


def test_an_unknown_indicator_function_names_the_claim(tmp_path):
    path = tmp_path / "study.yaml"
    path.write_text(
        f"study: t\nfacts: {FACTS_FILE}\nclaims:\n"
        "  - {id: x, claim: c, inputs: {}, compute: {fn: nope}, stated: {holds: true}}\n"
    )
    with pytest.raises(ConfigError, match=r"claim 'x'.*unknown indicator function 'nope'"):
        load_study(path)


def test_the_command_writes_the_ledger(tmp_path, capsys):
    code = main(["economies", "study", "vietnam-china", "--out", str(tmp_path), "--no-report"])
    assert code == 0
    assert (tmp_path / "ledger.csv").is_file()
    assert "window_dependent: 1" in capsys.readouterr().out


@pytest.fixture(scope="module")
def reported(tmp_path_factory):
    return run_study("vietnam-china", tmp_path_factory.mktemp("vc-report"))


def test_the_report_is_one_offline_page_with_figures_and_a_verdict_filter(reported):
    result = reported
    page = result.report_path.read_text(encoding="utf-8")
    assert 'id="verdict-filter"' in page and 'data-verdict="window_dependent"' in page
    assert "<script src" not in page and "http://" not in page.split("<script>")[0]
    names = {p.name for p in result.figures}
    for chart in ("growth_paths", "trade_by_sector", "fdi_by_source", "wages_by_city"):
        assert {f"{chart}.png", f"{chart}.svg"} <= names
    assert all(Path(p).stat().st_size > 0 for p in result.figures)


@pytest.mark.browser
def test_the_report_renders_offline_in_a_browser_and_filters(reported, tmp_path):
    """Headless Chromium opens the page from disk with no name resolving: every chart is
    drawn, nothing is logged as an error, and the verdict filter counts the claims."""
    import shutil
    import subprocess

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("headless Chromium is not installed (Debian package `chromium`)")
    result = reported
    dom = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=15000",
            "--dump-dom",
            result.report_path.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    charts = result.charts["chart"].nunique()
    assert dom.count('data-rendered="true"') == charts
    assert "data-error-log" not in dom
    assert f"{len(result.ledger)} of {len(result.ledger)} claims" in dom


def test_a_data_file_no_reader_takes_is_skipped_with_a_warning(tmp_path):
    from econscope.errors import EconscopeWarning

    odd = tmp_path / "notes.csv"
    odd.write_text("a,b\n1,2\n")
    with pytest.warns(EconscopeWarning, match="notes.csv: skipped"):
        result = run_study("vietnam-china", tmp_path / "out", [odd], report=False)
    assert result.data_files == ()


def test_a_missing_data_file_is_a_data_error(tmp_path):
    from econscope.errors import DataError

    with pytest.raises(DataError, match="data file not found"):
        run_study("vietnam-china", tmp_path / "out", [tmp_path / "nope.csv"], report=False)
