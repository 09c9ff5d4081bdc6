"""The one-command run: every stage, reuse on rerun, no identifier published, and the demo."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from econscope import pipeline as run_module
from econscope import smallbiz
from econscope.cli import main
from econscope.config import load_settings
from econscope.disclosure import scan_for_identifiers
from econscope.errors import DisclosureError
from econscope.pipeline import published_paths
from econscope.smallbiz.tables import TABLES

# A small bank: 80 firms over three years; k = 3 so that some cells are published.
SETTINGS = load_settings(overrides=["disclosure.k=3"])
# A bank this small may separate an industry in the logit: econscope says so in its own
# warning class (tested in test_models_separation.py); every other warning stays an error.
pytestmark = pytest.mark.filterwarnings("ignore::econscope.errors.EconscopeWarning")


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bank")
    smallbiz.simulate(out, firms=80, start="2019-01", end="2021-12", seed=11, progress=False)
    return out


@pytest.fixture(scope="module")
def first_run(bank: Path, tmp_path_factory: pytest.TempPathFactory) -> smallbiz.RunResult:
    return run_module.run(bank, tmp_path_factory.mktemp("run"), SETTINGS)


def test_run_writes_every_stage_and_published_file(first_run: smallbiz.RunResult) -> None:
    out = first_run.out_dir
    for stage in ("validated", "panel", "results"):
        assert (out / stage / "manifest.json").is_file()
    for table_id in TABLES:
        assert (out / "results" / f"{table_id}.csv").is_file()
    assert first_run.report_path == out / "report.html"
    assert (out / "figures" / "fig02.svg").is_file()
    assert not any(first_run.reused.values())


def test_run_result_exposes_tidy_tables(first_run: smallbiz.RunResult) -> None:
    assert set(first_run.tables) >= set(TABLES)
    assert list(first_run.tables["fig02"].columns) == list(TABLES["fig02"].columns)
    assert set(first_run.models["model"]) == {"lpm", "logit", "fe_lpm"}
    assert isinstance(first_run.funnel, pd.DataFrame)
    assert "<strong>econscope smallbiz run</strong>" in first_run._repr_html_()


def test_rerun_reuses_every_stage(bank: Path, first_run: smallbiz.RunResult) -> None:
    again = run_module.run(bank, first_run.out_dir, SETTINGS)
    assert all(again.reused.values()), again.summary()


def test_changed_setting_reruns_from_the_stage_it_affects(
    bank: Path, first_run: smallbiz.RunResult, tmp_path: Path
) -> None:
    # disclosure.k is read by analyze and report, but is also in every manifest's settings,
    # so every stage is recomputed: settings are part of each stage's key.
    changed = run_module.run(bank, first_run.out_dir, load_settings(overrides=["disclosure.k=4"]))
    assert not changed.reused["analyze"]


def test_no_identifier_reaches_a_published_file(bank: Path, first_run: smallbiz.RunResult) -> None:
    ids: set[str] = set()
    for table, column in (
        ("firms", "firm_id"),
        ("deposit_accounts", "account_id"),
        ("card_accounts", "card_id"),
    ):
        ids |= set(pd.read_parquet(bank / f"{table}.parquet", columns=[column])[column])
    assert scan_for_identifiers(published_paths(first_run.out_dir), ids) == []
    # and the check can fail: a published table that leaked one firm id is caught
    leaked = first_run.out_dir / "results" / "fig02.csv"
    planted = leaked.parent.parent / "leak.csv"
    planted.write_text(leaked.read_text() + f"{sorted(ids)[0]},1,1,False\n")
    try:
        assert scan_for_identifiers([planted], ids) == [(planted, sorted(ids)[0])]
    finally:
        planted.unlink()


def test_a_leak_found_after_the_report_removes_every_published_output(
    bank: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    render = run_module.render_report

    def leaky_render(out_dir: Path, settings: object):
        result = render(out_dir, settings)
        # what a leak would publish: a firm's key as every stage after validate holds it
        ids = pd.read_parquet(out_dir / "validated" / "id_map.parquet")
        firm_id = ids.loc[ids.kind == "firm_id", "surrogate"].iloc[0]
        result.path.write_text(result.path.read_text() + f"<p>{firm_id}</p>")
        return result

    monkeypatch.setattr(run_module, "render_report", leaky_render)
    with pytest.raises(DisclosureError, match=r"report\.html.*removed"):
        run_module.run(bank, tmp_path, SETTINGS)
    assert published_paths(tmp_path) == []
    assert not (tmp_path / "results").exists() and not (tmp_path / "figures").exists()
    assert (tmp_path / "validated" / "manifest.json").is_file()  # inputs of the run stay


def test_cli_run_prints_the_report_path(
    bank: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["smallbiz", "run", str(bank), "--out", str(tmp_path), "--set", "disclosure.k=3"]) == 0
    )
    assert str((tmp_path / "report.html").resolve()) in capsys.readouterr().out.replace("\n", "")


def test_demo_runs_both_suites_and_prints_both_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--firms", "40", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out.replace("\n", "")
    assert "smallbiz report:" in printed and "economies report:" in printed
    assert (tmp_path / "smallbiz" / "report.html").is_file()
    assert (tmp_path / "economies" / "ledger.csv").is_file()
