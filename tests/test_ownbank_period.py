"""Result settings tied to the calendar follow the data, and an empty result table is a
warning that names it (never a silent empty figure)."""

from __future__ import annotations

import datetime as dt
import warnings

import pytest

from econscope import smallbiz
from econscope.config import Settings, load_settings
from econscope.errors import EconscopeWarning
from econscope.smallbiz.analysis import analyze
from econscope.smallbiz.panel import build_panel
from econscope.smallbiz.results.notes import period_defaults
from econscope.smallbiz.validation import validate


def test_a_findings_window_inside_the_data_is_kept() -> None:
    s = load_settings(overrides=['results.findings_window=["2016-01", "2016-12"]'])
    used, notes = period_defaults(s, dt.date(2015, 1, 1), dt.date(2017, 12, 1))
    assert used.results.findings_window == ("2016-01", "2016-12")
    assert "results.findings_window" not in [n.setting for n in notes]


def test_a_findings_window_outside_the_data_moves_to_the_data_with_a_note() -> None:
    # default window 2010-01..2019-12; data 1993-01..1994-03 (the Berka extract)
    used, notes = period_defaults(Settings(), dt.date(1993, 1, 1), dt.date(1994, 3, 1))
    assert used.results.findings_window == ("1993-01", "1994-03")
    note = next(n for n in notes if n.setting == "results.findings_window")
    assert "2010-01 to 2019-12" in note.note and "results.findings_window" in note.note


@pytest.mark.parametrize(
    ("window", "message"),
    [(["2019-13", "2020-01"], "YYYY-MM"), (["2020-01", "2019-01"], "swap them")],
)
def test_a_bad_findings_window_is_one_error_with_a_hint(window, message) -> None:
    from econscope.errors import ConfigError

    value = "[" + ", ".join(f'"{m}"' for m in window) + "]"
    with pytest.raises(ConfigError, match=message):
        load_settings(overrides=[f"results.findings_window={value}"])


def test_an_empty_result_table_is_a_warning_naming_it(tmp_path) -> None:
    # 120 firms over 2019-02..2019-11: no firm-year is observed in 12 months, so fig06
    # (months revolved per year) and fig07 (year to year) describe no firm
    data = tmp_path / "data"
    smallbiz.simulate(data, firms=120, start="2019-02", end="2019-11", seed=3, progress=False)
    settings = load_settings(overrides=["disclosure.k=3"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EconscopeWarning)
        validate(data, tmp_path / "validated", settings)
        build_panel(tmp_path / "validated", tmp_path / "panel", settings)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EconscopeWarning)
        result = analyze(tmp_path / "panel", tmp_path / "results", settings)
    # fig06 has no row; fig07 keeps its 13 rows per measure, every one of 0 firm pairs
    assert result.tables["fig06"].empty
    assert result.tables["fig07"]["value"].isna().all()
    said = [str(w.message) for w in caught if "are empty" in str(w.message)]
    assert said and "fig06" in said[0] and "fig07" in said[0], said
