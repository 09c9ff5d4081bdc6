"""The one-sentence finding under each figure: computed from the run's own published cells."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from econscope.config import Settings
from econscope.report.charts import chart_rows
from econscope.report.findings import finding
from econscope.smallbiz.tables import TABLES, table_specs
from test_report_fixture import result_table

# every charted table: the published report's figures and the cash-flow figure
FIGURES = [tid for tid, spec in TABLES.items() if spec.chart != "table"]


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
    # one month, outside the default findings window (2010-01..2019-12): that month
    assert finding("fig12", rows) == (
        "In January 2022, 50% of firms with 15 days or fewer of cash buffer revolved in an average "
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


def _monthly(table_id: str, measure: str, values: dict[str, float], **dims: str) -> list[dict]:
    return [{"month": m, "measure": measure, "value": v, **dims} for m, v in values.items()]


def test_fig10_summarises_the_findings_window_clipped_to_the_data() -> None:
    # window 2010-01..2019-12 (default) clipped to the data's 2019-11..2020-02:
    # covers = mean(0.40, 0.44) = 42%, keeps = mean(0.10, 0.20) = 15%; 2020 is left out
    records = _monthly(
        "fig10",
        "share_adb_covers_balance",
        {"2019-11": 0.40, "2019-12": 0.44, "2020-01": 0.90, "2020-02": 0.90},
    ) + _monthly(
        "fig10",
        "share_covers_and_keeps_buffer",
        {"2019-11": 0.10, "2019-12": 0.20, "2020-01": 0.90, "2020-02": 0.90},
    )
    assert finding("fig10", _rows("fig10", records)) == (
        "From November 2019 to December 2019, in an average month 42% of revolvers had an "
        "average daily balance that covered their card bill, and 15% could have paid it and "
        "still kept 15 days of cash buffer."
    )


def test_fig11_falls_back_to_the_whole_period_when_the_window_misses_the_data() -> None:
    # data 1993-01..1993-02 lie before the default window: both months are read;
    # revolvers mean(10, 12) = 11 days, transactors mean(30, 34) = 32 days
    records = _monthly(
        "fig11", "median_cash_buffer_days", {"1993-01": 10.0, "1993-02": 12.0}, group="revolvers"
    ) + _monthly(
        "fig11", "median_cash_buffer_days", {"1993-01": 30.0, "1993-02": 34.0}, group="transactors"
    )
    assert finding("fig11", _rows("fig11", records)) == (
        "From January 1993 to February 1993, the median revolver held 11 days of cash buffer "
        "in an average month, against 32 days for the median transactor."
    )


def test_the_findings_window_is_a_setting() -> None:
    s = Settings().with_overrides(['results.findings_window=["1993-02", "1993-02"]'])
    records = _monthly(
        "fig11", "median_cash_buffer_days", {"1993-01": 10.0, "1993-02": 12.0}, group="revolvers"
    ) + _monthly(
        "fig11", "median_cash_buffer_days", {"1993-01": 30.0, "1993-02": 34.0}, group="transactors"
    )
    sentence = finding("fig11", _rows("fig11", records), {"settings": s})
    assert sentence == (
        "In February 1993, the median revolver held 12 days of cash buffer in an average "
        "month, against 34 days for the median transactor."
    )


def test_fig03_describes_its_whole_period_when_the_data_end_before_june_2020() -> None:
    s = Settings().with_overrides(["results.index_base_month='1993-01'"])
    records = _monthly("fig03", "median_adb_index", {"1993-01": 100.0, "1993-02": 112.4})
    assert finding("fig03", _rows("fig03", records), {"settings": s}) == (
        "From January 1993 to February 1993, the median average daily balance stood between "
        "100 and 112 (index, January 1993 = 100); in February 1993 it was 112."
    )


def test_money_in_a_finding_follows_the_currency() -> None:
    # fig04 names the size threshold and the median balances in the run's currency
    s = Settings().with_overrides(
        ["money.currency=CZK", "size.large_revenue_threshold=2000000", "prices.base_year=1994"]
    )
    records = [
        {"month": "1994-01", "size_class": c, "measure": m, "value": v}
        for c, m, v in (
            ("small", "share_revolving", 0.30),
            ("large", "share_revolving", 0.20),
            ("small", "median_revolving_balance", 4_000.0),
            ("large", "median_revolving_balance", 12_500.0),
        )
    ]
    rows = chart_rows(
        table_specs(s)["fig04"], pd.DataFrame(records).assign(n_firms=100, suppressed=False), k=10
    )
    sentence = finding("fig04", rows, {"settings": s})
    assert sentence == (
        "In 1994, 20% of firms with revenue above 2,000,000 CZK revolved in an average month, "
        "against 30% of smaller firms; the median revolving balance was 12,500 CZK for larger "
        "revolvers and 4,000 CZK for smaller ones."
    )
    assert "$" not in sentence


def test_the_cash_flow_figure_has_a_sentence_in_the_runs_currency() -> None:
    # 2015: buffer days mean(20, 30) = 25; revenues mean(7000, 9000) = 8,000 EUR;
    # expenses mean(3000, 5000) = 4,000 EUR
    s = Settings().with_overrides(["money.currency=EUR", "prices.base_year=2015"])
    records = (
        _monthly("cashflow", "median_cash_buffer_days", {"2015-01": 20.0, "2015-02": 30.0})
        + _monthly("cashflow", "median_revenues", {"2015-01": 7_000.0, "2015-02": 9_000.0})
        + _monthly("cashflow", "median_expenses", {"2015-01": 3_000.0, "2015-02": 5_000.0})
    )
    assert finding("cashflow", _rows("cashflow", records), {"settings": s}) == (
        "In 2015, the median firm held 25 days of cash buffer in an average month; median "
        "monthly revenues were 8,000 EUR and median monthly expenses 4,000 EUR."
    )
