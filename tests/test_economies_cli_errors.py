"""Every economies command turns a bad input into one line with a hint, never a traceback:
a missing file, a folder where a file is expected, a file where a folder is expected,
and an empty file (issue 18)."""

from __future__ import annotations

from pathlib import Path

import pytest

from econscope.cli import main


def _cases(tmp: Path) -> dict[str, list[str]]:
    empty = tmp / "empty.csv"
    empty.write_text("")
    folder = tmp / "folder"
    folder.mkdir()
    (folder / "notes.txt").write_text("no data here")
    a_file = tmp / "a_file.txt"
    a_file.write_text("x")
    return {
        "load: missing file": ["economies", "load", str(tmp / "no.csv"), "--out", str(tmp / "o1")],
        "load: empty file": ["economies", "load", str(empty), "--out", str(tmp / "o2")],
        "load: folder without data": ["economies", "load", str(folder), "--out", str(tmp / "o3")],
        "load: --out is a file": ["economies", "load", str(empty), "--out", str(a_file)],
        "indicator: missing table": ["economies", "indicator", "growth", "--data",
                                     str(tmp / "no.parquet")],
        "indicator: folder for a table": ["economies", "indicator", "rca", "--data", str(folder)],
        "indicator: empty table": ["economies", "indicator", "tsi", "--data", str(empty)],
        "study: missing data": ["economies", "study", "vietnam-china", "--out", str(tmp / "o4"),
                                "--data", str(tmp / "nosuch")],
        "study: empty data file": ["economies", "study", "vietnam-china", "--out", str(tmp / "o5"),
                                   "--data", str(empty), "--no-report"],
        "study: --out is a file": ["economies", "study", "vietnam-china", "--out", str(a_file),
                                   "--no-report"],
        "study: unknown study": ["economies", "study", "no-such-study", "--out", str(tmp / "o6")],
    }  # fmt: skip


NAMES = [
    "load: missing file",
    "load: empty file",
    "load: folder without data",
    "load: --out is a file",
    "indicator: missing table",
    "indicator: folder for a table",
    "indicator: empty table",
    "study: missing data",
    "study: empty data file",
    "study: --out is a file",
    "study: unknown study",
]


@pytest.mark.parametrize("name", NAMES)
def test_a_bad_input_is_one_line_with_a_hint(tmp_path, capsys, name):
    args = _cases(tmp_path)[name]
    code = main(args)
    captured = capsys.readouterr()
    text = (captured.err + captured.out).strip()
    assert code != 0, text
    assert "Traceback" not in text
    assert "Hint:" in text, text
    assert len([line for line in text.splitlines() if line.strip()]) == 1, text


def test_load_accepts_a_folder(tmp_path, capsys):
    from econscope.economies.vietnam_china import FACTS_FILE

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "facts.yaml").write_bytes(FACTS_FILE.read_bytes())
    assert main(["economies", "load", str(folder), "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "observations.parquet").is_file()
    assert "facts.yaml" in capsys.readouterr().out


def test_an_empty_indicator_result_says_why(tmp_path, capsys):
    from econscope.economies.vietnam_china import FACTS_FILE

    assert main(["economies", "load", str(FACTS_FILE), "--out", str(tmp_path / "o")]) == 0
    capsys.readouterr()
    # facts hold no annual series of consecutive years for this indicator
    code = main(
        ["economies", "indicator", "growth", "--data", str(tmp_path / "o" / "observations.parquet"),
         "--indicator", "no_such_indicator"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1 and "no rows" in err and "Hint:" in err
