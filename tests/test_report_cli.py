"""`econscope smallbiz report RUN_DIR`: a shell over render_report."""

from __future__ import annotations

from pathlib import Path

from econscope.cli import main
from test_report_fixture import make_run


def test_cli_report_writes_the_page_and_says_where(tmp_path: Path, capsys) -> None:
    run = make_run(tmp_path / "run")
    for tid in ("fig02", "fig03", "cashflow", "fig04", "fig05", "fig06", "fig07", "fig08", "fig10"):
        (run / "results" / f"{tid}.csv").unlink()  # three figures are enough here
    code = main(["smallbiz", "report", str(run), "--set", "disclosure.k=20"])
    printed = capsys.readouterr().out.replace("\n", "")
    assert code == 0
    assert str(run / "report.html") in printed
    assert "at least k = 20 firms" in (run / "report.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in (run / "figures").glob("*.png")) == [
        "fig09.png",
        "fig11.png",
        "fig12.png",
    ]


def test_cli_report_without_results_fails_in_one_line(tmp_path: Path, capsys) -> None:
    assert main(["smallbiz", "report", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "no results folder" in err and "Hint" in err
