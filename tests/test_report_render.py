"""render_report: figures, the offline page and its sections, from a schema-exact run."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from econscope.config import Settings, load_settings
from econscope.disclosure import scan_for_identifiers
from econscope.errors import DataError, StageError
from econscope.report.smallbiz import render_report

# the module, not the function of the same name that econscope.smallbiz exports
from econscope.smallbiz import analysis as analyze_module
from econscope.smallbiz.analysis import analyze
from econscope.smallbiz.tables import TABLES
from econscope.stages import load_manifest
from test_analyze import N_FIRMS, fake_models, panel_rows, write_panel
from test_report_fixture import ACCOUNT_IDS, CARD_IDS, FIRM_IDS, make_run

FIGURES = [tid for tid, spec in TABLES.items() if spec.chart != "table"]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    run = make_run(tmp_path_factory.mktemp("run"))
    page = render_report(run).path
    return run, page.read_text(encoding="utf-8")


def _published(run: Path) -> list[Path]:
    files = [run / "report.html"]
    for folder in ("results", "figures"):
        files += [p for p in (run / folder).rglob("*") if p.is_file()]
    return files


def _keep_figures(run: Path, *keep: str) -> Path:
    """Drop the other figure tables (a faster run for tests that are not about figures)."""
    for tid in FIGURES:
        if tid not in keep:
            (run / "results" / f"{tid}.csv").unlink()
    return run


def test_every_figure_is_written_as_png_and_svg(rendered) -> None:
    run, _ = rendered
    names = {p.name for p in (run / "figures").iterdir()}
    assert names == {f"{t}.{ext}" for t in FIGURES for ext in ("png", "svg")} | {"manifest.json"}


def test_the_page_has_every_section_and_a_chart_per_figure(rendered) -> None:
    _, page = rendered
    for anchor in ("funnel", *FIGURES, "tabA1", "models", "quality", "settings", "provenance"):
        assert f'<section id="{anchor}">' in page
    assert (
        list(dict.fromkeys(re.findall(r'<div class="chart" id="chart-([a-z]+\d*)', page)))
        == FIGURES
    )


def test_no_identifier_of_the_working_files_reaches_a_published_file(rendered) -> None:
    # the fixture's panel and validated tables hold these ids; no published file may
    run, _ = rendered
    ids = pq.read_table(run / "panel" / "panel.parquet").to_pydict()
    assert set(ids["firm_id"]) == set(FIRM_IDS)
    identifiers = [*FIRM_IDS, *ACCOUNT_IDS, *CARD_IDS]
    assert scan_for_identifiers(_published(run), identifiers) == []
    for path in _published(run):  # and no id-shaped token either, in text or PNG bytes
        assert not re.search(rb"(FIRM|ACCT|CARD)-\d{6}", path.read_bytes()), path.name


def test_the_report_of_a_real_analysis_run_renders_and_publishes_no_identifier(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # analyze on the results helper's 30-firm panel (its fixed model outputs, to keep this
    # fast: the tables are computed for real), then the report on what analyze wrote
    monkeypatch.setattr(analyze_module, "_model_outputs", fake_models())
    run = tmp_path / "run"
    write_panel(run / "panel", panel_rows())
    analyze(run / "panel", run / "results", load_settings(overrides=["disclosure.k=5"]))
    page = render_report(run).path.read_text(encoding="utf-8")
    assert (
        list(dict.fromkeys(re.findall(r'<div class="chart" id="chart-([a-z]+\d*)', page)))
        == FIGURES
    )
    assert "Published cells describe at least k = 5 firms" in page  # k from the manifest
    assert "The sample funnel (panel/funnel.csv): not available" in page
    firm_ids = [f"F{i:05d}" for i in range(N_FIRMS)]
    assert (
        scan_for_identifiers([run / "results", run / "figures", run / "report.html"], firm_ids)
        == []
    )


def test_table_a1_shows_values_and_marks_the_suppressed_industry(rendered) -> None:
    run, page = rendered
    section = page.split('<section id="tabA1">', 1)[1].split("</section>", 1)[0]
    frame = pd.read_csv(run / "results" / "tabA1.csv")
    firms = frame[(frame["industry"] == "construction") & (frame["measure"] == "firms")]
    assert f"{firms['value'].iloc[0]:,.0f}" in section  # e.g. 1,523 printed with separators
    # the fixture suppresses repair and maintenance: both its measures say so
    row = section.split("repair and maintenance", 1)[1].split("</tr>", 1)[0]
    assert row.count(">suppressed<") == 2


def test_the_regression_table_has_a_column_per_model_and_the_fit(rendered) -> None:
    run, page = rendered
    section = page.split('<section id="models">', 1)[1].split("</section>", 1)[0]
    header = section.split("</thead>", 1)[0]
    assert [h for h in re.findall(r">([^<>]+)</th>", header)] == [
        "Linear probability",
        "Logit",
        "Firm fixed effects",
    ]
    models = pd.read_csv(run / "results" / "models.csv")
    adb = models[(models["model"] == "logit") & (models["term"] == "adb")].iloc[0]
    # fixed decimals, never scientific notation: one number of decimals for every
    # estimate and standard error of the table
    coefficients = section.split('<tr class="fit">', 1)[0]
    decimals = {len(d) for d in re.findall(r">\(?-?\d+\.(\d+)\)?\**<", coefficients)}
    assert len(decimals) == 1 and "e-0" not in section
    (places,) = decimals
    assert f"{adb['estimate']:.{places}f}" in section
    assert "-912.4" in section and "1,480" in section  # logit log likelihood, FE N obs
    # covariates come first, in the order of DESIGN.md, in words
    words = ("Revenues", "Expenses", "Net cash flow", "Average daily balance")
    order = [section.index(f">{t} (") for t in words]
    assert order == sorted(order)


def test_funnel_counts_under_k_firms_are_suppressed(rendered) -> None:
    _, page = rendered
    section = page.split('<section id="funnel">', 1)[1].split("</section>", 1)[0]
    # fixture: steps drop 0, 5, 2 and 3 firms (k = 10). The three small drops are hidden
    # with their rows (6 cells), and so are the totals between them (after step 2, before
    # and after step 3, before step 4; firms and rows: 8 cells), else 40 - 35 would give
    # back the 5. Step 2's "before" (40 firms, 1,900 rows) equals step 1's "after" and
    # stays: the three drops only add up to 40 - 30 = 10. Shown: 40, 1,900, 30, 1,500.
    assert section.count(">suppressed<") == 14
    for shown in (">40<", ">1,900<", ">30<", ">1,500<"):
        assert shown in section
    for hidden in (">35<", ">33<", ">5<", ">1,700<"):
        assert hidden not in section


def test_a_small_funnel_step_is_hidden_with_a_larger_one_until_k_firms() -> None:
    # drops 0, 3 and 40 with k = 10: hiding the 3 alone would leave it as
    # (first before - last after) - 40 = 43 - 40; so the 40 is hidden too (3 + 40 >= 10).
    from econscope.report.smallbiz import _funnel_hidden

    funnel = pd.DataFrame(
        {
            "firms_before": [100, 100, 97],
            "firms_after": [100, 97, 57],
            "firms_dropped": [0, 3, 40],
            "rows_before": [9, 9, 8],
            "rows_after": [9, 8, 5],
            "rows_dropped": [0, 1, 3],
        }
    )
    # The totals between the two drops go too (97 after step 2 and before step 3); step
    # 2's "before" (100) equals step 1's "after" and the first count, and stays.
    hidden = _funnel_hidden(funnel, 10)
    assert hidden["firms_dropped"].tolist() == [False, True, True]
    assert hidden["firms_before"].tolist() == [False, True, True]
    assert hidden["firms_after"].tolist() == [False, True, False]
    big = _funnel_hidden(funnel.assign(firms_dropped=[0, 30, 40]), 10)
    firms = ["firms_before", "firms_after", "firms_dropped"]
    assert not big[firms].any().any()
    # this funnel's statement counts (9, 8, 5, 1, 3) are all below k: hidden (a handful
    # of statements can be one firm's); the known zero drop stays
    assert big["rows_dropped"].tolist() == [False, True, True]


def test_data_quality_lists_quarantined_rows_by_reason(rendered) -> None:
    _, page = rendered
    section = page.split('<section id="quality">', 1)[1].split("</section>", 1)[0]
    for reason in ("duplicate_key", "bad_amount", "unknown_category", "statement_out_of_order"):
        assert reason in section


def test_settings_and_fingerprints_come_from_the_manifests(rendered) -> None:
    run, page = rendered
    assert "disclosure.k" in page and "No published cell describes fewer than k firms." in page
    # Each stage's bank lineage and the bank's own table fingerprints; not the keys of
    # working files (Parquet row order varies between runs; the page's bytes must not).
    for stage in ("validated", "panel", "results"):
        manifest = load_manifest(run / stage)
        assert manifest is not None and manifest.lineage in page
        assert manifest.key not in page
    for digest in load_manifest(run / "validated").inputs.values():
        assert digest in page


def test_a_run_without_results_is_a_stage_error(tmp_path: Path) -> None:
    with pytest.raises(StageError, match=r"no results folder.*Hint: run the analysis"):
        render_report(tmp_path)


def test_missing_optional_pieces_show_as_not_available(tmp_path: Path) -> None:
    run = _keep_figures(make_run(tmp_path), "fig07", "fig09")
    shutil.rmtree(run / "validated")
    (run / "panel" / "funnel.csv").unlink()
    (run / "results" / "fig09.csv").unlink()
    (run / "results" / "models_fit.csv").unlink()
    page = render_report(run).path.read_text(encoding="utf-8")
    assert "The sample funnel (panel/funnel.csv): not available" in page
    assert "This figure (results/fig09.csv): not available" in page
    assert "Quarantined rows by reason (validated/quarantine_summary.csv): not available" in page
    assert 'id="chart-fig09"' not in page and not (run / "figures" / "fig09.png").exists()


def test_a_malformed_result_table_is_a_data_error(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    frame = pd.read_csv(run / "results" / "fig06.csv").drop(columns="suppressed")
    frame.to_csv(run / "results" / "fig06.csv", index=False)
    with pytest.raises(DataError, match=r"fig06\.csv: column 'suppressed'"):
        render_report(run)


def test_a_model_fitted_on_fewer_than_k_firms_is_suppressed(tmp_path: Path) -> None:
    run = _keep_figures(make_run(tmp_path))
    page = render_report(run, Settings().with_overrides(["disclosure.k=29"])).path
    section = page.read_text().split('<section id="models">', 1)[1].split("</section>", 1)[0]
    # fixture: fe_lpm has 28 firms (< 29), lpm and logit 30: only the FE column is blanked,
    # on 6 term lines (intercept + 5 covariates) and 4 fit lines
    assert section.count(">suppressed<") == 6 + 4


def test_a_rerun_over_unchanged_results_reuses_and_a_change_rerenders(tmp_path: Path) -> None:
    run = _keep_figures(make_run(tmp_path), "fig03")
    first = render_report(run).path.stat().st_mtime_ns
    assert render_report(run).path.stat().st_mtime_ns == first
    frame = pd.read_csv(run / "results" / "fig03.csv")
    frame.loc[0, "value"] = 99.5
    frame.to_csv(run / "results" / "fig03.csv", index=False)
    assert render_report(run).path.stat().st_mtime_ns != first
    manifest = json.loads((run / "figures" / "manifest.json").read_text())
    assert manifest["stage"] == "report" and "../report.html" in manifest["outputs"]


def test_unreadable_recorded_settings_stop_the_report_instead_of_guessing_k(
    tmp_path: Path,
) -> None:
    run = _keep_figures(make_run(tmp_path))
    manifest = json.loads((run / "results" / "manifest.json").read_text())
    manifest["settings"]["disclosure"]["k"] = "many"
    (run / "results" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(StageError, match="recorded in the run's manifest"):
        render_report(run)
    # explicit settings work
    assert render_report(run, Settings()).path.is_file()
