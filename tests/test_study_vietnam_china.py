"""The Vietnam-China study on its facts file alone: the article's claims, one test each.

Provenance of the inputs: the article seeds/000_e4ee9b5e919aefdf.txt (2022-05-08), read
into src/econscope/economies/vietnam_china/facts.yaml; the expected findings are those
of DESIGN.md ("economies: the Vietnam-China study and its claims ledger") and issue 17,
each recomputed by hand in the comment beside it.
"""

from __future__ import annotations

import ast
import csv
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from econscope.cli import main
from econscope.economies.readers import read_facts
from econscope.economies.readers.facts import check_fact
from econscope.economies.study import (
    FACTS_COLUMNS,
    LEDGER_COLUMNS,
    VERDICTS,
    load_study,
    run_study,
)
from econscope.economies.vietnam_china import FACTS_FILE
from econscope.errors import ConfigError, DataError, EconscopeWarning

STUDY_FILE = FACTS_FILE.parent / "study.yaml"
ARTICLE = (
    Path(__file__).resolve().parents[1] / ".." / "shared" / "seeds" / "000_e4ee9b5e919aefdf.txt"
)


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    return run_study("vietnam-china", tmp_path_factory.mktemp("vc"))


def part(text: str) -> str:
    return text.split(": ", 1)[0]


# ------------------------------------------------------------------ the facts file
def test_every_fact_has_its_sentence_period_concept_and_vintage():
    facts = yaml.safe_load(FACTS_FILE.read_text(encoding="utf-8"))["facts"]
    assert len(facts) >= 117
    for f in facts:
        for field in ("quote", "concept", "vintage", "source", "raw"):
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


def test_the_facts_reader_raises_no_false_flag_on_the_articles_facts():
    # sign words ("falling 2.6%", "trade deficit 92"), fractions ("1/3", "1/5"), number
    # words ("two", "a decade"), "almost doubled": every phrase reads as its stated value
    res = read_facts(FACTS_FILE)
    assert res.counts()["rejected"] == 0
    checks = [check_fact(f) for f in res.facts]
    bad = [
        (c.fact_id, c.raw_status)
        for c in checks
        if c.raw_status not in {"consistent", "consistent_reading"}
    ]
    assert bad == []
    assert {c.plausibility for c in checks} <= {"plausible", "unchecked"}


def test_qualifiers_are_read_from_the_printed_phrase():
    checks = {c.fact_id: c for c in map(check_fact, read_facts(FACTS_FILE).facts)}
    assert checks["chn_gdp_usd_2021"].qualifier == "about"  # "About us 17.77 Trillions"
    assert checks["vnm_fdi_manufacturing_2021"].qualifier == "at least"  # "More than 181"
    assert checks["vn_wage_growth_2011_2018"].qualifier == "about"  # "almost doubled"
    assert checks["sz_exports_growth_2022q1"].value_read == -2.6  # "falling 2.6%"


# ------------------------------------------------------------------ the study file
def test_the_study_holds_every_quantitative_claim_with_its_sentence():
    spec = load_study("vietnam-china")
    assert len(spec.claims) >= 60
    if not ARTICLE.is_file():
        pytest.skip(f"the article is not at {ARTICLE}")

    def norm(text: str) -> str:
        return re.sub(r"\s+", " ", text).strip()

    article = norm(ARTICLE.read_text(encoding="utf-8"))
    for c in spec.claims:
        for fragment in c.quote.split(" ... "):
            assert norm(fragment) in article, (c.id, fragment)


def test_the_spec_writes_no_verdict():
    text = STUDY_FILE.read_text(encoding="utf-8").lower()
    words = [
        *VERDICTS,
        "verdict:",
        "mixes vintages",
        "different concepts",
        "window dependent",
        "revised since",
    ]
    found = [w for w in words if re.search(rf"(?<![a-z_]){re.escape(w)}(?![a-z_])", text)]
    assert found == []


def test_a_claim_without_its_sentence_is_a_configuration_error(tmp_path):
    path = tmp_path / "study.yaml"
    path.write_text(
        f"study: t\nfacts: {FACTS_FILE}\nclaims:\n"
        "  - {id: x, section: growth, claim: c, compute: {fn: none}, stated: {holds: true}}\n"
    )
    with pytest.raises(ConfigError, match=r"claim 'x', field quote"):
        load_study(path)


def test_an_unknown_indicator_function_names_the_claim(tmp_path):
    path = tmp_path / "study.yaml"
    path.write_text(
        f"study: t\nfacts: {FACTS_FILE}\nclaims:\n"
        "  - {id: x, section: growth, claim: c, quote: q, compute: {fn: nope},\n"
        "     stated: {holds: true}}\n"
    )
    with pytest.raises(ConfigError, match=r"claim 'x'.*unknown indicator function 'nope'"):
        load_study(path)


def test_an_unknown_study_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigError, match="no study"):
        run_study("no-such-study", tmp_path)


# ------------------------------------------------------------------ the article's examples
def test_jan_apr_2022_surplus_is_the_fdi_surplus_less_the_domestic_deficit(study):
    c = study.claim("jan_apr_2022_balance_by_sector")
    assert c.value == pytest.approx(11.73e9 - 9.20e9)  # 2.53 bn
    assert c.verdict == "consistent"


def test_jan_apr_2022_sector_growth_implies_16_4_percent_in_total(study):
    c = study.claim("jan_apr_2022_export_growth_from_sectors")
    # 122.36 / (90.59/1.147 + 31.77/1.216) - 1 = 16.42%
    assert c.value == pytest.approx(100 * (122.36 / (90.59 / 1.147 + 31.77 / 1.216) - 1))
    assert c.verdict == "consistent"


def test_fdi_sources_imply_a_registered_total_near_31_billion(study):
    c = study.claim("fdi_2021_sources_imply_total")
    # (10.7 + 5.0 + 3.9 + 2.9 + 2.3) / (34.4 + 15.9 + 12.5 + 9.3 + 7.4)% = 24.8 / 0.795 = 31.19
    assert c.value == pytest.approx(24.8e9 / 0.795)
    assert c.verdict == "consistent_within_rounding"


def test_registered_fdi_set_against_the_bop_inflow_is_two_concepts_without_data(study):
    # the concept comes from the series' metadata (WDI BX.KLT.DINV.CD.WD), not the spec
    c = study.claim("fdi_2021_total_as_inflow")
    assert part(c.concept) == "different"
    assert "fdi_registered_capital" in c.concept and "balance of payments" in c.concept
    assert c.verdict == "different_concepts"


def test_growth_means_favour_china_over_2016_2021_not_2016_2019(study):
    c = study.claim("chn_mean_growth_above_vnm_2016_2021")
    # China 36.5/6 = 6.08%, Vietnam 32.61/6 = 5.44%; 2016-2019: 26.2/4 = 6.55 vs 27.12/4 = 6.78
    assert "CHN 6.08% vs VNM 5.44%" in c.recomputed
    assert part(c.window) == "holds" and "fails for" in c.window and "2016-2019" in c.window
    # Vietnam's 2016-2019 rates are on GSO's old base, 2020-2021 on the revalued one
    assert part(c.vintage) == "mixed"
    assert c.verdict == "mixes_vintages"


def test_revenue_against_gdp_compares_gross_revenue_with_value_added(study):
    for cid, ratio in (
        ("samsung_vietnam_revenue_to_gdp_2021", 74.2 / 362.619),  # 20.46%
        ("sinopec_revenue_to_gdp_2021", 2740.9 / 114367),  # 2.40%
    ):
        c = study.claim(cid)
        assert c.value == pytest.approx(100 * ratio)
        assert part(c.arithmetic) == "consistent" and part(c.concept) == "different"
        assert c.verdict == "different_concepts"


def test_q1_exports_two_versions_are_a_wrong_conversion_and_mixed_releases(study):
    c = study.claim("q1_2022_exports_two_versions")
    # 592.1 / 88.58 = 6.684 and 584.2 / 89.1 = 6.557 CNY/USD; Q1 2022 range 6.30-6.38
    assert "6.684" in c.fx and "6.557" in c.fx and part(c.fx) == "outside_range"
    assert part(c.vintage) == "mixed"
    assert c.verdict == "inconsistent"


@pytest.mark.parametrize(
    ("cid", "rate"),
    [
        ("q1_2022_exports_conversion_first", 592.1 / 88.58),
        ("q1_2022_exports_conversion_second", 584.2 / 89.1),
    ],
)
def test_each_q1_conversion_implies_a_rate_outside_the_quarter(study, cid, rate):
    c = study.claim(cid)
    assert f"{rate:.3f}" in c.fx and part(c.fx) == "outside_range"
    assert c.verdict == "inconsistent"


def test_chinas_2021_gdp_in_dollars_is_consistent_at_an_unstated_rate(study):
    c = study.claim("chn_gdp_2021_in_usd")
    # 114.367 / 6.449 = 17.734 tn (0.2% below 17.77); implied 114.367 / 17.77 = 6.436,
    # inside 2021's range 6.35-6.58
    assert c.value == pytest.approx(114.367e12 / 6.449)
    assert "6.436" in c.fx and part(c.fx) == "within_range"
    assert c.verdict == "consistent"


def test_chinas_2016_gdp_joins_a_pre_revision_yuan_figure_to_a_post_revision_dollar_one(study):
    c = study.claim("chn_gdp_2016_in_usd")
    # implied 74.36 / 11.23 = 6.622, inside 2016's range: the conversion is fine
    assert part(c.fx) == "within_range" and part(c.arithmetic) == "consistent"
    assert part(c.vintage) == "mixed" and "census revision" in c.vintage
    assert c.verdict == "mixes_vintages"


def test_a_level_from_before_a_revaluation_joined_to_one_after_mixes_vintages(study):
    c = study.claim("gdp_scale_2016_2021")
    assert c.value == pytest.approx(100 * (362.6 / 204.6 - 1))  # 77.2%
    assert c.verdict == "mixes_vintages"


def test_doi_moi_came_a_decade_after_reunification_not_less(study):
    c = study.claim("doi_moi_less_than_a_decade_after_reunification")
    # 1986 - 1976 = 10 years, not fewer than 10
    assert "false: 10 years < 10 years" in c.recomputed
    assert c.verdict == "inconsistent"


def test_the_q1_trade_surplus_is_implied_by_exports_and_total_trade(study):
    c = study.claim("q1_2022_trade_surplus_implied")
    assert c.value == pytest.approx(2 * 88.58e9 - 176.35e9)  # 0.81 bn > 0
    assert c.verdict == "consistent"


def test_claims_the_printed_figures_cannot_check_say_what_would(study):
    for cid in ("q1_2022_trade_vs_guangdong", "fdi_2021_growth", "samsung_investment_doubled_2021"):
        c = study.claim(cid)
        assert c.verdict == "not_checkable"
        assert "What would check it:" in c.note
    # 18.0 / 2.02 = 8.91 bn at end-2020
    assert "US$8.91089 bn" in study.claim("samsung_investment_doubled_2021").recomputed


def test_each_ledger_row_carries_the_reading_of_its_facts(study):
    assert study.claim("jan_apr_2022_balance_by_sector").facts_check == "3 facts read as printed"


def test_without_data_the_data_check_column_says_it_was_not_run(study):
    assert set(study.ledger["data_check"]) == {"not run: no data files given"}


# ------------------------------------------------------------------ outputs and the result
def test_the_ledger_has_its_columns_the_verdict_parts_and_the_verdict_names(study):
    with study.ledger_path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == LEDGER_COLUMNS
    assert {r["verdict"] for r in rows} <= set(VERDICTS)
    assert {part(r["arithmetic"]) for r in rows} <= {
        "consistent", "within_rounding", "inconsistent", "not_computed",
    }  # fmt: skip
    assert len(rows) == len(load_study("vietnam-china").claims)


def test_facts_csv_has_one_row_per_fact(study):
    with study.facts_path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == FACTS_COLUMNS
    assert len(rows) == len(read_facts(FACTS_FILE).facts)
    by_id = {r["fact_id"]: r for r in rows}
    assert by_id["vnm_trade_total_2022q1"]["plausibility"] == "plausible"


def test_observations_parquet_has_the_design_schema(study):
    table = pq.read_table(study.observations_path)
    assert table.column_names == [
        "entity", "indicator", "period", "value", "unit", "concept", "source", "vintage",
    ]  # fmt: skip
    assert table.num_rows == len(read_facts(FACTS_FILE).facts)


def test_a_rerun_with_the_same_inputs_reuses_the_outputs_and_gives_the_same_result(study):
    again = run_study("vietnam-china", study.out_dir)
    assert again.reused and not study.reused
    assert again.claims == study.claims


def test_the_result_prints_short_and_summarises_by_section(study):
    text = repr(study)
    assert text.startswith("<StudyResult vietnam-china:") and "\n" not in text and len(text) < 400
    table = study.summary()
    assert table.to_numpy().sum() == len(study.claims)
    assert "<table>" in study._repr_html_()


def test_the_renderer_imports_nothing_of_the_study_but_its_result_type():
    source = Path(__import__("econscope.report.economies", fromlist=["x"]).__file__)
    names = [
        (node.module, [a.name for a in node.names])
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom)
        and (node.module or "").startswith("econscope.economies")
    ]
    assert names == [("econscope.economies.study", ["StudyResult"])]


def test_the_command_writes_the_ledger_and_prints_a_table(tmp_path, capsys):
    code = main(["economies", "study", "vietnam-china", "--out", str(tmp_path), "--no-report"])
    assert code == 0
    assert (tmp_path / "ledger.csv").is_file() and (tmp_path / "facts.csv").is_file()
    printed = capsys.readouterr().out
    assert "mixes vintages" in printed and "{" not in printed


@pytest.fixture(scope="module")
def reported(study):
    from econscope.report.economies import render_study_report

    page, figures = render_study_report(study)
    return study, page, figures


def test_the_report_is_one_offline_page_with_badges_expanders_and_a_filter(reported):
    _, page_path, figures = reported
    page = page_path.read_text(encoding="utf-8")
    assert 'id="verdict-filter"' in page and 'data-verdict="mixes_vintages"' in page
    assert 'class="badge"' in page and "<details>" in page
    assert "<script src" not in page and "http://" not in page.split("<script>")[0]
    names = {p.name for p in figures}
    for chart in ("growth_paths", "trade_by_sector", "fdi_by_source", "wages_by_city"):
        assert {f"{chart}.png", f"{chart}.svg"} <= names


def test_a_data_file_no_reader_takes_is_skipped_with_a_warning(tmp_path):
    odd = tmp_path / "notes.csv"
    odd.write_text("a,b\n1,2\n")
    with pytest.warns(EconscopeWarning, match="notes.csv: skipped"):
        result = run_study("vietnam-china", tmp_path / "out", [odd])
    assert result.data_files == ()


@pytest.mark.parametrize("kind", ["missing", "empty", "empty folder"])
def test_a_bad_data_input_is_a_one_line_data_error(tmp_path, kind):
    path = tmp_path / "in"
    if kind == "empty":
        path = tmp_path / "in.csv"
        path.write_text("")
    elif kind == "empty folder":
        path.mkdir()
    with pytest.raises(DataError, match="Hint:"):
        run_study("vietnam-china", tmp_path / "out", [path])
