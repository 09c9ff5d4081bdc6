"""Published CSV cells a spreadsheet would run as formulas are neutralised (issue 13 item 6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from econscope.config import load_settings
from econscope.smallbiz.analysis import analyze
from test_analyze import INDUSTRIES, panel_rows, write_panel

pytestmark = pytest.mark.filterwarnings("ignore::econscope.errors.EconscopeWarning")


def test_a_formula_shaped_industry_is_published_as_text(tmp_path: Path) -> None:
    # 30 firms, 10 per industry (test_analyze.panel_rows); one industry is a formula.
    hostile = '=HYPERLINK("http://x","y")'
    names = (hostile, *INDUSTRIES[1:])
    panel = write_panel(tmp_path / "panel", panel_rows(industry_of=lambda i: names[i % 3]))
    result = analyze(panel, tmp_path / "results", load_settings(overrides=["disclosure.k=3"]))
    text = (tmp_path / "results" / "tabA1.csv").read_text()
    assert "'=HYPERLINK" in text  # an apostrophe first: Excel shows it as text
    assert "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
    # the result is read back from the published files, so it shows what a reader gets
    assert "'" + hostile in set(result["tabA1"]["industry"])
