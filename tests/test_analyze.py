"""The analyze stage: every table written under disclosure control, manifest last, reuse.

Most tests replace the model fitting (econscope.smallbiz.results.models, another module) by fixed
model outputs, so that what is tested here is analyze's own work: computing, disclosing,
writing. One end-to-end test runs the real models.
"""

from __future__ import annotations

import datetime as dt
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from econscope.cli import main
from econscope.config import load_settings
from econscope.disclosure import scan_for_identifiers
from econscope.engine import connect
from econscope.errors import DataError, DisclosureError, EconscopeWarning, StageError

# The module (not the function of the same name that econscope.smallbiz exports).
from econscope.smallbiz import analysis as analyze_module
from econscope.smallbiz.analysis import ModelOutputs, analyze, read_result
from econscope.smallbiz.results.registry import result_table
from econscope.smallbiz.tables import MODEL_COLUMNS, MODEL_FIT_COLUMNS, TABLES
from econscope.stages import MANIFEST_NAME
from test_figures_panel import DEFLATOR, cycle, make_panel

# At k = 10 this 30-firm panel has no publishable monthly share (7 revolvers a month):
# the analysis says so in a warning, which is not what these tests are about.
pytestmark = pytest.mark.filterwarnings(
    "ignore:result table\\(s\\).*no published value:econscope.errors.EconscopeWarning"
)

INDUSTRIES = ("retail", "construction", "restaurants")
N_FIRMS = 30


def panel_rows(industry_of=None) -> list[dict]:
    """30 firms, monthly statements 2019-01..2021-12 (36 months each).

    Firm i: industry INDUSTRIES[i % 3] (10 firms each), large when i is odd; firms 0-19
    revolve when (i + month index m) % 3 == 0, firms 20-29 never; buffer days
    5 + i + m % 4; ADB about 1000 (i + 1); cash flows vary by firm and month; the last
    statement's status is unknown (no next statement).
    """
    rows = []
    for i in range(N_FIRMS):
        firm = f"F{i:05d}"
        for m in range(36):
            date = dt.date(2019 + m // 12, m % 12 + 1, 20)
            status = (i < 20 and (i + m) % 3 == 0) if m < 35 else None
            row = cycle(
                firm,
                date,
                status,
                balance=2_000.0,
                revolving_balance=100.0 * (i + 1) if status else 0.0,
                adb=1_000.0 * (i + 1) + 150.0 * ((3 * m + i) % 7),
                buffer_days=5.0 + i + (m % 4),
                industry=industry_of(i) if industry_of else INDUSTRIES[i % 3],
                size_class="large" if i % 2 else "small",
                revenue=60_000.0 + 10_000.0 * i,
            )
            # Cash flows that vary across firms and months (the models need variation).
            revenues = 4_000.0 + 100.0 * i + 37.0 * ((i * 7 + m * 5) % 11)
            expenses = 3_000.0 + 80.0 * i + 53.0 * ((i * 3 + m * 2) % 7)
            flows = {
                "revenues": revenues,
                "expenses": expenses,
                "net_cash_flow": revenues - expenses + 29.0 * ((i + m) % 5),
            }
            for name, value in flows.items():
                row[f"{name}_real"] = value
                row[name] = value / DEFLATOR
            rows.append(row)
    return rows


def write_panel(folder: Path, rows: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(connect().to_pyarrow(make_panel(rows)), folder / "panel.parquet")
    return folder


@pytest.fixture(scope="module")
def panel_dir(tmp_path_factory) -> Path:
    return write_panel(tmp_path_factory.mktemp("run") / "panel", panel_rows())


def fake_models(fe_firms: int = N_FIRMS, fig09_firms: int = 10):
    """Fixed model outputs in the models module's schemas (estimates are arbitrary)."""

    def _fit(panel, settings) -> ModelOutputs:
        models = ("lpm", "logit", "fe_lpm")
        terms = ("revenues", "expenses", "net_cash_flow", "adb", "cash_buffer_days")
        coef = pd.DataFrame(
            [
                (m, t, -0.01 * (j + 1), 0.002, -5.0, 1e-6, -0.014, -0.006)
                for m in models
                for j, t in enumerate(terms)
            ],
            columns=list(MODEL_COLUMNS),
        )
        fit = pd.DataFrame(
            [
                ("lpm", 1000, N_FIRMS, 0.12, None),
                ("logit", 1000, N_FIRMS, None, -600.5),
                ("fe_lpm", 990, fe_firms, 0.03, None),
            ],
            columns=list(MODEL_FIT_COLUMNS),
        )
        fig08 = pd.DataFrame(
            [
                (m, float(d), "predicted_probability", 0.4 - d / 200, N_FIRMS, False)
                for m in models
                for d in (0, 10, 20)
            ],
            columns=list(TABLES["fig08"].columns),
        )
        fig09 = pd.DataFrame(
            [
                (
                    m,
                    ind,
                    "predicted_probability",
                    0.3,
                    fig09_firms if ind == "retail" else 10,
                    False,
                )
                for m in models
                for ind in INDUSTRIES
            ],
            columns=list(TABLES["fig09"].columns),
        )
        return ModelOutputs(coef, fit, {"fig08": fig08, "fig09": fig09})

    return _fit


@pytest.fixture
def models(monkeypatch):
    monkeypatch.setattr(analyze_module, "_model_outputs", fake_models())


@pytest.fixture(scope="module")
def published(panel_dir, tmp_path_factory):
    """One analyze run at the default settings, shared by the tests that only read it."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(analyze_module, "_model_outputs", fake_models())
        return analyze(panel_dir, tmp_path_factory.mktemp("published") / "results")


def copy_of(result, tmp_path: Path) -> Path:
    return Path(shutil.copytree(result.out_dir, tmp_path / "results"))


def test_analyze_writes_every_table_the_models_and_the_manifest_last(published):
    out, result = published.out_dir, published
    names = {f"{tid}.csv" for tid in TABLES} | {"models.csv", "models_fit.csv"}
    # the panel covers 2020 only: fig05's default years 2019 and 2022 fall back to 2020,
    # which notes.csv records (results/notes.py)
    names |= {"notes.csv"}
    assert {p.name for p in out.iterdir()} == names | {MANIFEST_NAME}
    assert set(result.manifest.outputs) == names
    manifest_time = (out / MANIFEST_NAME).stat().st_mtime_ns
    assert all((out / n).stat().st_mtime_ns <= manifest_time for n in names)


def test_every_table_has_its_registered_columns_and_types(published):
    result = published
    assert list(result.tables) == list(TABLES)
    for tid, df in result.tables.items():
        assert tuple(df.columns) == TABLES[tid].columns, tid
        assert df["n_firms"].dtype == "Int64"
        assert df["suppressed"].dtype == bool
        assert set(df["measure"]) <= set(TABLES[tid].measures), tid
    assert str(result["fig02"]["month"].dtype).startswith("datetime64")
    assert result["fig02"]["month"].dt.day.eq(1).all()


def test_written_csv_reads_back_equal_to_the_returned_table(published):
    for tid in TABLES:
        path = published.out_dir / f"{tid}.csv"
        pd.testing.assert_frame_equal(read_result(path, tid), published[tid])


def test_cells_of_fewer_than_k_firms_are_suppressed_with_k_from_settings(
    panel_dir, published, tmp_path, models, con
):
    # fig05 (2019 only in this panel) before disclosure: 10 firms per industry for the
    # shares; the medians cover the revolvers among them, firms i < 20 with i % 3 equal
    # to 0 (retail: 7 firms), 1 (construction: 7) or 2 (restaurants: 6).
    panel = con.read_parquet(panel_dir / "panel.parquet")
    raw = con.to_pyarrow(result_table("fig05", panel)).to_pandas()
    medians = raw[raw["measure"] == "median_revolving_balance"].set_index("industry")
    assert medians["n_firms"].to_dict() == {"retail": 7, "construction": 7, "restaurants": 6}
    # A share also gives back the firms it counts in: share x n_firms = the revolving firms
    # (the same 7, 7 and 6), so each share goes with its median when those are under k.
    # (median_min_firms=7: the median rule's 2 x k would hide every median of 7 firms too;
    # tests/test_disclosure_dominance.py tests that rule.)
    seven = analyze(
        panel_dir,
        tmp_path / "k7",
        load_settings(overrides=["disclosure.k=7", "disclosure.median_min_firms=7"]),
    )
    for k, result in ((10, published), (7, seven)):
        fig = result["fig05"]
        assert len(fig) == len(raw) == 6  # rows are never dropped
        merged = fig.merge(raw, on=["industry", "year", "measure"], suffixes=("", "_raw"))
        revolvers = merged["industry"].map(medians["n_firms"])
        assert merged["suppressed"].tolist() == (revolvers < k).tolist()
        assert merged.loc[merged["suppressed"], ["value", "n_firms"]].isna().all().all()
        shown = merged[~merged["suppressed"]]
        # published numbers are rounded to 8 significant digits (disclosure.significant_digits)
        assert np.allclose(shown["value"], shown["value_raw"], rtol=1e-7, atol=0)
        assert (shown["n_firms"] == shown["n_firms_raw"]).all()
    # k = 10: every cell goes (7, 7, 6 revolving firms); k = 7: restaurants' two cells go.
    assert published["fig05"]["suppressed"].sum() == 6
    assert seven["fig05"]["suppressed"].sum() == 2


def test_no_published_value_describes_fewer_than_k_firms(published):
    for tid, df in published.tables.items():
        shown = df[~df["suppressed"]]
        assert (shown["n_firms"] >= 10).all(), tid
        assert shown["value"].notna().all(), tid  # an empty cell has 0 firms: suppressed


def test_results_contain_no_firm_or_card_identifier(published):
    out = published.out_dir
    ids = [f"F{i:05d}" for i in range(N_FIRMS)] + [f"card-F{i:05d}" for i in range(N_FIRMS)]
    assert scan_for_identifiers([out], ids) == []


@pytest.mark.filterwarnings("ignore::econscope.errors.EconscopeWarning")
def test_an_identifier_in_a_published_column_stops_the_run_and_writes_nothing(tmp_path, models):
    # A mis-mapped input put firm F00007's id in its industry column.
    rows = panel_rows(industry_of=lambda i: "F00007" if i == 7 else INDUSTRIES[i % 3])
    rows = [r for r in rows if r["year"] == 2020]
    panel_dir = write_panel(tmp_path / "panel", rows)
    out = tmp_path / "results"
    # tabA1 over all years publishes every industry of these 2020 rows (its default, 2022,
    # would publish none of them here).
    settings = load_settings(overrides=["results.tabA1_revenue_year=all"])
    with pytest.raises(DisclosureError, match="identifier"):
        analyze(panel_dir, out, settings)
    assert list(out.iterdir()) == []


def test_a_rerun_with_the_same_inputs_and_settings_reuses_the_results(
    panel_dir, published, tmp_path, models
):
    out = copy_of(published, tmp_path)
    first = published
    again = analyze(panel_dir, out)
    assert (first.reused, again.reused) == (False, True)
    for tid in TABLES:
        pd.testing.assert_frame_equal(again[tid], first[tid])
    changed = analyze(panel_dir, out, load_settings(overrides=["disclosure.k=5"]))
    assert changed.reused is False
    assert changed["fig05"]["suppressed"].sum() < first["fig05"]["suppressed"].sum()


def test_a_model_with_fewer_than_k_firms_is_not_published(panel_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(analyze_module, "_model_outputs", fake_models(fe_firms=4))
    out = tmp_path / "results"
    with pytest.warns(EconscopeWarning, match="fe_lpm"):
        result = analyze(panel_dir, out)
    assert result.unpublished_models == ("fe_lpm",)
    coef = pd.read_csv(out / "models.csv")
    assert set(coef["model"]) == {"lpm", "logit"}
    fit = pd.read_csv(out / "models_fit.csv").set_index("model")
    assert fit.loc["fe_lpm"].isna().all()  # the row stays, every statistic blank
    assert fit.loc["lpm", "n_firms"] == N_FIRMS
    fig08 = result["fig08"]
    assert fig08.loc[fig08["model"] == "fe_lpm", "suppressed"].all()
    assert not fig08.loc[fig08["model"] == "lpm", "suppressed"].any()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert analyze(panel_dir, out).unpublished_models == ("fe_lpm",)  # on reuse too


def test_prediction_cells_follow_the_threshold_rule(panel_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(analyze_module, "_model_outputs", fake_models(fig09_firms=4))
    fig09 = analyze(panel_dir, tmp_path / "results")["fig09"]
    assert fig09.loc[fig09["industry"] == "retail", "suppressed"].all()
    assert not fig09.loc[fig09["industry"] != "retail", "suppressed"].any()


def test_a_missing_panel_is_a_stage_error(tmp_path):
    with pytest.raises(StageError, match=r"panel\.parquet"):
        analyze(tmp_path / "nowhere", tmp_path / "results")


def test_a_panel_without_a_required_column_is_a_data_error(tmp_path, models):
    folder = tmp_path / "panel"
    folder.mkdir()
    table = connect().to_pyarrow(make_panel([cycle("a", "2020-01-10", True)]))
    pq.write_table(table.drop_columns(["adb_real"]), folder / "panel.parquet")
    with pytest.raises(DataError, match="adb_real"):
        analyze(folder, tmp_path / "results")


def test_cli_analyze_prints_the_regression_table_and_where_results_went(
    panel_dir, published, tmp_path, models, capsys
):
    out = copy_of(published, tmp_path)  # same settings (k = 10 given explicitly): reused
    code = main(["smallbiz", "analyze", str(panel_dir), "--out", str(out), "-s", "disclosure.k=10"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "Linear probability" in printed and "Firm fixed effects" in printed
    assert "Cash buffer days" in printed
    assert str(out) in printed.replace("\n", "")
    assert (out / MANIFEST_NAME).is_file()


def test_cli_analyze_reports_a_missing_panel_in_one_line(tmp_path, capsys):
    code = main(["smallbiz", "analyze", str(tmp_path), "--out", str(tmp_path / "r")])
    assert code == 1
    assert "panel.parquet" in capsys.readouterr().err


def test_end_to_end_with_the_fitted_models(panel_dir, tmp_path):
    out = tmp_path / "results"
    result = analyze(panel_dir, out, load_settings(overrides=["disclosure.k=5"]))
    assert set(result.models["model"]) == {"lpm", "logit", "fe_lpm"}
    assert set(result.models_fit["model"]) == {"lpm", "logit", "fe_lpm"}
    assert result["fig08"]["value"].between(0, 1).all()
    ids = [f"F{i:05d}" for i in range(N_FIRMS)]
    assert scan_for_identifiers([out], ids) == []


def test_terminal_table_marks_suppressed_cells_and_shows_units(published):
    from rich.console import Console

    from econscope.report.terminal import result_table

    console = Console(width=120, color_system=None)
    with console.capture() as cap:
        console.print(result_table(published["fig05"], "fig05"))
    text = cap.get()
    # fig05 at k = 10: every cell describes 6-7 revolving firms, so all six are suppressed,
    # and the table still names its measures' units.
    assert "share of firms (0-1)" in text
    assert text.count("suppressed") == int(published["fig05"]["suppressed"].sum()) == 6


def test_staging_left_by_a_killed_run_is_removed(panel_dir, published, tmp_path, models):
    out = copy_of(published, tmp_path)
    (out / MANIFEST_NAME).unlink()  # as if the run had been killed before finishing
    stale = out / ".analyze-killed"
    stale.mkdir()
    (stale / "fig02.csv").write_text("half a file")
    result = analyze(panel_dir, out)
    assert result.reused is False
    assert not stale.exists()
