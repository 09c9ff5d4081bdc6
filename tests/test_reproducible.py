"""Reproducible bytes (issue 13 item 3): two runs of one bank with one set of settings, in
two folders, publish byte-identical files: results/*.csv, figures/*.svg and report.html."""

from __future__ import annotations

from pathlib import Path

import pytest

from econscope import pipeline
from econscope.config import load_settings
from econscope.smallbiz import simulate

pytestmark = pytest.mark.filterwarnings("ignore::econscope.errors.EconscopeWarning")


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    bank = tmp_path_factory.mktemp("bank")
    simulate(bank, firms=40, start="2019-01", end="2021-12", seed=21, progress=False)
    settings = load_settings(overrides=["disclosure.k=3"])
    first = tmp_path_factory.mktemp("first")
    second = tmp_path_factory.mktemp("second")
    pipeline.run(bank, first, settings)
    pipeline.run(bank, second, settings)
    return first, second


def _published(run: Path) -> dict[str, bytes]:
    files = [*run.glob("results/*.csv"), *run.glob("figures/*.svg"), run / "report.html"]
    return {str(p.relative_to(run)): p.read_bytes() for p in sorted(files)}


def test_two_runs_publish_the_same_bytes(two_runs: tuple[Path, Path]) -> None:
    first, second = (_published(r) for r in two_runs)
    # every result table, the model files and notes, every figure's SVG, the report
    assert set(first) == set(second) and len(first) > 25
    differing = {name for name in first if first[name] != second.get(name)}
    assert differing == set()


def test_no_wall_clock_time_is_inside_a_published_file(two_runs: tuple[Path, Path]) -> None:
    # The manifests keep when a stage ran; the published files do not.
    import datetime as dt

    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT")
    for name, body in _published(two_runs[0]).items():
        assert today.encode() not in body, name
    manifest = (two_runs[0] / "results" / "manifest.json").read_text()
    assert today in manifest


def test_published_numbers_carry_at_most_8_significant_digits(
    two_runs: tuple[Path, Path],
) -> None:
    # disclosure.significant_digits = 8 (docs/disclosure.md): a float sum that differs in
    # the 13th digit between runs is published the same.
    import pandas as pd

    for path in sorted((two_runs[0] / "results").glob("*.csv")):
        df = pd.read_csv(path)
        for col in df.select_dtypes("float").columns:
            for v in df[col].dropna():
                assert float(f"{v:.8g}") == v, (path.name, col, v)
