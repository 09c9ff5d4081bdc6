"""The one regression table: fixed decimals and stars, N / firms / fit rows, three renderings."""

from __future__ import annotations

import pandas as pd
from rich.console import Console

from econscope.report.html import SUPPRESSED
from econscope.report.tables import regression_table


def _coef() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "model": ["lpm", "lpm", "lpm", "logit", "fe_lpm"],
            "term": ["Intercept", "adb", "cash_buffer_days", "adb", "adb"],
            "estimate": [0.41, -0.00088, -0.0031, -0.0041, -0.0002],
            "std_error": [0.02, 0.00021, 0.0004, 0.0011, 0.0003],
            "p_value": [1e-9, 0.003, 0.04, 0.07, 0.5],
        }
    )


def _fit() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "model": ["lpm", "logit", "fe_lpm"],
            "n_obs": [5000, 5000, 4980],
            "n_firms": [120, 120, 9],
            "r2": [0.0812, None, 0.011],
            "log_likelihood": [None, -3012.46, None],
        }
    )


def test_models_are_columns_in_the_reports_order_with_words_for_names() -> None:
    table = regression_table(_coef(), _fit())
    assert table.header == ("Linear probability", "Logit", "Firm fixed effects")
    labels = [name for name, _, kind in table.rows if kind == "estimate"]
    # covariates first in DESIGN.md's order, then the other terms
    assert labels == ["Average daily balance ($ thousands)", "Cash buffer days", "Intercept"]


def test_every_number_has_the_same_fixed_decimals_and_never_an_exponent() -> None:
    # smallest SE 0.00021 -> two significant digits need 5 decimals (0.00021)
    table = regression_table(_coef(), _fit())
    adb = dict((kind, cells) for name, cells, kind in table.rows[:2])
    assert adb["estimate"] == ("-0.00088***", "-0.00410*", "-0.00020")
    assert adb["std_error"] == ("(0.00021)", "(0.00110)", "(0.00030)")
    text = table.to_text()
    assert "e-0" not in text and "E-0" not in text


def test_stars_follow_the_p_values() -> None:
    # p = 1e-9 ***, 0.003 ***, 0.04 **, 0.07 *, 0.5 none
    table = regression_table(_coef(), _fit())
    cells = {name: cells for name, cells, kind in table.rows if kind == "estimate"}
    assert cells["Cash buffer days"][0].endswith("0**")
    assert cells["Intercept"][0] == "0.41000***"


def test_fit_rows_give_observations_firms_and_the_fit_statistic() -> None:
    table = regression_table(_coef(), _fit())
    fit = {name: cells for name, cells, kind in table.rows if kind == "fit"}
    assert fit["Observations (firm-cycles)"] == ("5,000", "5,000", "4,980")
    assert fit["Firms"] == ("120", "120", "9")
    assert fit["R²"] == ("0.0812", "", "0.0110")
    assert fit["Log likelihood"] == ("", "-3,012.5", "")


def test_a_model_on_fewer_than_k_firms_is_suppressed_in_every_row() -> None:
    # fe_lpm has 9 firms: with k = 10 its whole column is suppressed
    table = regression_table(_coef(), _fit(), k=10)
    fe = [cells[2] for _, cells, kind in table.rows if kind != "std_error"]
    assert set(fe) == {SUPPRESSED}
    assert "0.00020" not in table.to_text() and "4,980" not in table.to_text()


def test_terminal_html_and_text_show_the_same_cells() -> None:
    table = regression_table(_coef(), _fit())
    console = Console(width=140, color_system=None)
    with console.capture() as cap:
        console.print(table.to_rich())
    html, text = table.to_html(), table.to_text()
    for cell in ("-0.00088***", "(0.00021)", "5,000", "-3,012.5", "Firm fixed effects"):
        assert cell in cap.get() and cell in html and cell in text
