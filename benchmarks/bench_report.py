"""Benchmark: the report stage (11 figures as PNG + SVG, and the offline HTML page).

Input: the report tests' schema-exact fake run (tests/test_report_fixture.py: 48 months,
every registered table, some cells suppressed). Each measurement runs in a fresh process,
so the cold numbers include building the Vega JavaScript bundle and starting vl-convert.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._harness import measure

_TESTS = Path(__file__).resolve().parents[1] / "tests"


def _fixture_run(folder: str) -> Path:
    sys.path.insert(0, str(_TESTS))
    from test_report_fixture import make_run

    return make_run(Path(folder))


def cold(folder: str) -> dict[str, float]:
    """Render a fresh fake run; return the seconds of the render_report call."""
    from econscope.report.smallbiz import render_report

    run = _fixture_run(folder)
    t0 = time.perf_counter()
    render_report(run)
    return {"total": time.perf_counter() - t0}


def rerun(folder: str) -> float:
    """Render, then time a second render over unchanged results (reused)."""
    from econscope.report.smallbiz import render_report

    run = _fixture_run(folder)
    render_report(run)
    t0 = time.perf_counter()
    render_report(run)
    return time.perf_counter() - t0


def run() -> str:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        m = measure(
            "render_report, cold (11 PNG + 11 SVG + HTML)",
            "benchmarks.bench_report",
            "cold",
            folder=f"{tmp}/a",
        )
        rows.append(
            f"| {m.label} (the call alone: {m.value['total']:.1f} s) | {m.seconds:,.1f} | "
            f"{m.peak_mib:,.0f} |"
        )
        shutil.rmtree(f"{tmp}/a", ignore_errors=True)
        m = measure(
            "render_report, rerun over unchanged results",
            "benchmarks.bench_report",
            "rerun",
            folder=f"{tmp}/b",
        )
        rows.append(
            f"| {m.label} (second call: {m.value:.3f} s) | {m.seconds:,.1f} | {m.peak_mib:,.0f} |"
        )
    return "\n".join(
        [
            "## Report: figures and the offline HTML page",
            "",
            "`econscope.report.smallbiz.render_report` on the report tests' fake run (48 "
            "months, every table). Wall seconds of the benchmark function in a fresh process "
            "(imports and writing the fake run included; the report call alone in brackets).",
            "",
            "| what | wall s | peak MiB |",
            "| --- | ---: | ---: |",
            *rows,
        ]
    )


if __name__ == "__main__":
    print(run())
