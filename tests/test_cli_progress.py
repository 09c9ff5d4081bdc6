"""The command line shows progress per unit of work, and each warning once as one line."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from econscope.cli import main
from econscope.errors import EconscopeWarning
from econscope.report import smallbiz as report_module
from econscope.smallbiz.tables import TABLES
from test_report_fixture import make_run

KEEP = ("fig09", "fig11", "fig12")


def _small_run(root: Path) -> Path:
    run = make_run(root)
    for table_id, spec in TABLES.items():
        if spec.chart != "table" and table_id not in KEEP:
            (run / "results" / f"{table_id}.csv").unlink(missing_ok=True)
    return run


def test_report_shows_a_progress_line_counting_figures(tmp_path: Path, capsys) -> None:
    run = _small_run(tmp_path / "run")
    assert main(["smallbiz", "report", str(run)]) == 0
    err = capsys.readouterr().err
    # the finished line: the stage, the three figures drawn, the last one named
    assert "report" in err and "3 figures" in err


def test_a_reused_report_says_so_on_its_progress_line(tmp_path: Path, capsys) -> None:
    run = _small_run(tmp_path / "run")
    assert main(["smallbiz", "report", str(run)]) == 0
    capsys.readouterr()
    assert main(["smallbiz", "report", str(run)]) == 0
    assert "reused" in capsys.readouterr().err


@pytest.mark.filterwarnings("default::econscope.errors.EconscopeWarning")
def test_a_warning_is_printed_once_as_one_line_without_source(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _small_run(tmp_path / "run")
    render = report_module.render_report

    def warning_render(*args: object, **kwargs: object):
        for _ in range(3):  # the same warning three times, as a loop over figures would
            warnings.warn(
                "industry 'retail' is separated in the logit;\n its predictions are withheld",
                EconscopeWarning,
                stacklevel=2,
            )
        return render(*args, **kwargs)

    monkeypatch.setattr(report_module, "render_report", warning_render)
    assert main(["smallbiz", "report", str(run)]) == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "separated" in line]
    assert lines == [
        "warning: industry 'retail' is separated in the logit; its predictions are withheld"
    ]
    assert "EconscopeWarning" not in err and ".py:" not in err


def test_the_demo_prints_its_claims_as_a_table_not_a_dict() -> None:
    import pandas as pd
    from rich.console import Console

    from econscope.demo import verdict_table

    console = Console(width=80, color_system=None, record=True)
    console.print(verdict_table(pd.Series(["consistent"] * 3 + ["not_checkable"] * 2)))
    text = console.export_text()
    assert "5 claims checked" in text and "{" not in text
    # most frequent verdict first, then the total
    assert text.index("consistent") < text.index("not checkable") < text.index("all")
