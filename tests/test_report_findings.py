"""The one-sentence finding under each figure: computed from the run's own published cells."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from econscope.report.charts import chart_rows
from econscope.report.findings import finding
from econscope.smallbiz.tables import TABLES
from test_report_fixture import result_table

# the published report's figures (a run may chart more, e.g. deposit-only cash flows)
FIGURES = [tid for tid, spec in TABLES.items() if spec.chart != "table" and tid.startswith("fig")]


def _rows(table_id: str, records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records)
    firms = frame["n_firms"].fillna(100) if "n_firms" in frame else 100
    frame = frame.assign(n_firms=firms, suppressed=False)
    return chart_rows(TABLES[table_id], frame, k=10)


def test_fig02_compares_the_last_year_with_2019_as_yearly_means_of_months() -> None:
    # 2019 months 0.30, 0.34 -> mean 0.32; 2021 (ignored: neither last nor 2019) 0.5;
    # 2022 months 0.22, 0.26 -> 0.24. "down from" since 0.24 < 0.32.
    months = ["2019-01", "2019-02", "2021-01", "2022-01", "2022-02"]
    rows = _rows(
        "fig02",
        [
            {"month": m, "measure": "share_revolving", "value": v}
            for m, v in zip(months, [0.30, 0.34, 0.5, 0.22, 0.26], strict=True)
        ],
    )
    assert finding("fig02", rows) == (
        "In 2022, 24% of firms revolved in an average month, down from 32% in 2019."
    )


def test_a_suppressed_month_does_not_enter_the_yearly_mean() -> None:
    # 2022-02 has 4 firms (< k = 10): blanked before the finding reads it, so 2022 = 0.22
    rows = _rows(
        "fig02",
        [
            {"month": "2019-01", "measure": "share_revolving", "value": 0.30},
            {"month": "2022-01", "measure": "share_revolving", "value": 0.22},
            {"month": "2022-02", "measure": "share_revolving", "value": 0.90, "n_firms": 4},
        ],
    )
    assert finding("fig02", rows) == (
        "In 2022, 22% of firms revolved in an average month, down from 30% in 2019."
    )


def test_fig06_reads_the_composition_of_the_last_year() -> None:
    # 2021: 0 months 0.58, 1-11 0.26, 12 months 0.16 (the report's 2021 figures)
    rows = _rows(
        "fig06",
        [
            {"year": "2020", "months_revolved": "0", "measure": "share_of_firms", "value": 0.53},
            {"year": "2021", "months_revolved": "0", "measure": "share_of_firms", "value": 0.58},
            {"year": "2021", "months_revolved": "1-11", "measure": "share_of_firms", "value": 0.26},
            {"year": "2021", "months_revolved": "12", "measure": "share_of_firms", "value": 0.16},
        ],
    )
    assert finding("fig06", rows) == (
        "In 2021, 58% of firms never revolved and 16% revolved in all 12 months; "
        "26% revolved in some months but not all."
    )


def test_fig05_names_the_lowest_and_highest_industry_and_counts_the_falls() -> None:
    # 2022: construction 0.40, health care 0.19, retail 0.30 -> gap 21 points;
    # from 2019 (0.45, 0.25, 0.28) it fell in construction and health care: 2 of 3
    values = {
        ("construction", "2019"): 0.45,
        ("health care services", "2019"): 0.25,
        ("retail", "2019"): 0.28,
        ("construction", "2022"): 0.40,
        ("health care services", "2022"): 0.19,
        ("retail", "2022"): 0.30,
    }
    rows = _rows(
        "fig05",
        [
            {"industry": i, "year": y, "measure": "share_revolving", "value": v}
            for (i, y), v in values.items()
        ],
    )
    assert finding("fig05", rows) == (
        "In 2022, the share of firms revolving ranged from 19% in health care services to "
        "40% in construction, a gap of 21 percentage points; it fell from 2019 in 2 of 3 "
        "industries."
    )


def test_fig08_reads_the_predictions_at_10_and_20_buffer_days() -> None:
    # the report: 35-36% at 10 days, 30-32% at 20 (LPM and logit)
    rows = _rows(
        "fig08",
        [
            {"model": m, "cash_buffer_days": d, "measure": "predicted_probability", "value": v}
            for m, d, v in [
                ("lpm", 10, 0.35),
                ("lpm", 20, 0.30),
                ("logit", 10, 0.36),
                ("logit", 20, 0.32),
                ("fe_lpm", 10, 0.33),
            ]
        ],
    )
    assert finding("fig08", rows) == (
        "At 10 cash buffer days the linear probability model predicts a 35% probability of "
        "revolving and the logit model 36%; at 20 days, 30% and 32%."
    )


def test_fig09_gives_the_industry_gap_of_the_linear_probability_model() -> None:
    rows = _rows(
        "fig09",
        [
            {"model": m, "industry": i, "measure": "predicted_probability", "value": v}
            for m, i, v in (
                ("lpm", "retail", 0.3),
                ("lpm", "construction", 0.41),
                ("logit", "retail", 0.9),
            )
        ],
    )
    # 0.41 - 0.30 = 0.11: the report's "about 11 points"
    assert finding("fig09", rows) == (
        "At the same cash position, the linear probability model puts the probability of "
        "revolving between 30% (retail) and 41% (construction), a gap of 11 percentage points."
    )


def test_fig12_names_the_buffer_groups_in_words() -> None:
    rows = _rows(
        "fig12",
        [
            {"month": "2022-01", "buffer_group": g, "measure": "share_revolving", "value": v}
            for g, v in [("<= 15 days", 0.5), ("> 15 days", 0.22)]
        ],
    )
    assert finding("fig12", rows) == (
        "In 2022, 50% of firms with 15 days or fewer of cash buffer revolved in an average "
        "month, against 22% of firms with more than 15 days."
    )


@pytest.mark.parametrize("table_id", FIGURES)
def test_every_figure_of_a_full_run_has_a_sentence(table_id: str) -> None:
    rows = chart_rows(TABLES[table_id], result_table(table_id, np.random.default_rng(2)), k=10)
    sentence = finding(table_id, rows)
    assert sentence and sentence[0].isupper() and sentence.endswith(".")
    assert "_" not in sentence and "nan" not in sentence


@pytest.mark.parametrize("table_id", FIGURES)
def test_a_table_with_every_cell_suppressed_has_no_sentence(table_id: str) -> None:
    frame = result_table(table_id, np.random.default_rng(2))
    frame = frame.assign(value=None, suppressed=True, n_firms=3)
    assert finding(table_id, chart_rows(TABLES[table_id], frame, k=10)) is None


def test_fig06_falls_back_to_the_latest_year_whose_bins_are_published() -> None:
    # 2021's "12" bin has 4 firms (< k): suppressed, so the sentence reads 2020
    rows = _rows(
        "fig06",
        [
            {"year": y, "months_revolved": b, "measure": "share_of_firms", "value": v, "n_firms": n}
            for y, b, v, n in (
                ("2020", "0", 0.53, 100),
                ("2020", "12", 0.19, 100),
                ("2021", "0", 0.58, 100),
                ("2021", "12", 0.16, 4),
            )
        ],
    )
    assert (
        finding("fig06", rows)
        == "In 2020, 53% of firms never revolved and 19% revolved in all 12 months."
    )
