"""Every Python example of docs/report.md runs, and prints what the page says it prints.

Each fenced ``python`` block runs in a fresh folder holding a schema-exact fake run at
``demo-output/smallbiz`` (the run folder ``make demo`` writes); the comment lines that
end a block are its expected output.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from test_report_fixture import make_run

DOC = Path(__file__).parent.parent / "docs" / "report.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def _expected(block: str) -> list[str]:
    lines = block.rstrip("\n").splitlines()
    out: list[str] = []
    while lines and lines[-1].startswith("# "):
        out.insert(0, lines.pop()[2:])
    return out


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("docs")
    make_run(root / "demo-output" / "smallbiz")
    return root


def test_the_page_has_examples() -> None:
    assert len(BLOCKS) >= 4


@pytest.mark.parametrize("number", range(len(BLOCKS)))
def test_every_example_runs_and_prints_what_the_page_says(
    number: int, demo_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    block = BLOCKS[number]
    monkeypatch.chdir(demo_folder)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(block, f"docs/report.md block {number + 1}", "exec"), {})
    assert printed.getvalue().splitlines() == _expected(block)
