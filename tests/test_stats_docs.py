"""docs/stats.md is runnable: every ``>>>`` example in it passes as a doctest."""

from __future__ import annotations

import doctest
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "stats.md"


def test_every_example_in_docs_stats_md_runs():
    # Warnings are errors here too (pyproject's filterwarnings apply to this test).
    result = doctest.testfile(
        str(DOC), module_relative=False, optionflags=doctest.ELLIPSIS, verbose=False
    )
    assert result.attempted >= 15  # the page's examples, not an empty run
    assert result.failed == 0
