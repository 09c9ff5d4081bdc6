"""Cash buffer days at each statement date (econscope.smallbiz.method.buffers)."""

from __future__ import annotations

import datetime as dt

import hypothesis.strategies as st
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from _panel_data import LOOSE, D, one_firm, panel_of


def test_buffer_days_over_a_full_trailing_year(con):
    # Opening 3650 on 2020-01-01, rent -365 on 2020-06-30. Statement 2021-01-15: the window
    # is 2020-01-17..2021-01-15 (365 days): 165 days at 3650 + 200 days at 3285 = 1,259,250
    # balance-days, ADB = 3450; outflows 365 -> 1 a day -> 3450 buffer days.
    p = panel_of(
        con,
        one_firm(
            opening=3650.0,
            account_open=D(2020, 1, 1),
            deposits=[(D(2020, 6, 30), -365.0, "rent")],
            statements=[(D(2021, 1, 15), 0.0)],
        ),
    )
    assert p.cash_buffer_days.iloc[0] == pytest.approx(3450.0, rel=1e-12)


def test_buffer_days_need_the_minimum_history_of_days_with_data(con):
    # Data from 2020-01-01: opening 1800, rent -180 that day -> 1620 every day.
    # 2020-06-28 is the 180th day with data: ADB 1620 / (180 / 180) = 1620 buffer days.
    # 2020-06-27 has 179 days (< buffer.min_history_days = 180): missing.
    p = panel_of(
        con,
        one_firm(
            opening=1800.0,
            account_open=D(2020, 1, 1),
            deposits=[(D(2020, 1, 1), -180.0, "rent")],
            statements=[(D(2020, 6, 27), 0.0), (D(2020, 6, 28), 0.0)],
        ),
    )
    assert pd.isna(p.cash_buffer_days.iloc[0])
    assert p.cash_buffer_days.iloc[1] == pytest.approx(1620.0, rel=1e-12)


def test_buffer_days_are_missing_not_infinite_without_outflows(con):
    p = panel_of(
        con,
        one_firm(
            opening=500.0,
            account_open=D(2020, 1, 1),
            deposits=[(D(2020, 3, 1), 100.0, "sales"), (D(2020, 5, 1), -20.0, "transfer_own")],
            statements=[(D(2021, 1, 15), 0.0)],
        ),
    )
    assert pd.isna(p.cash_buffer_days.iloc[0])  # own transfers are not outflows


def test_min_history_setting_is_honoured(con):
    # Same firm as above with min_history_days = 179: the 179-day statement now counts:
    # ADB 1620 / (180 outflows / 179 days) = 1620 x 179 / 180 = 1611 buffer days.
    p = panel_of(
        con,
        one_firm(
            opening=1800.0,
            account_open=D(2020, 1, 1),
            deposits=[(D(2020, 1, 1), -180.0, "rent")],
            statements=[(D(2020, 6, 27), 0.0)],
        ),
        LOOSE.with_overrides(["buffer.min_history_days=179"]),
    )
    assert p.cash_buffer_days.iloc[0] == pytest.approx(1611.0, rel=1e-12)


def test_average_daily_outflows_over_a_full_trailing_year(con):
    # The firm of the first test: window 2020-01-17..2021-01-15 = 365 days with data, rent
    # 365 in it -> 365 / 365 = 1.0 a day; buffer days x outflows a day = the window's ADB
    # (3450 x 1.0 = 3450). Real (2022 $) from a 2021 statement: 1.0 x 292.655 / 270.970.
    p = panel_of(
        con,
        one_firm(
            opening=3650.0,
            account_open=D(2020, 1, 1),
            deposits=[(D(2020, 6, 30), -365.0, "rent")],
            statements=[(D(2021, 1, 15), 0.0)],
        ),
    )
    row = p.iloc[0]
    assert row.avg_daily_outflows == pytest.approx(1.0, rel=1e-12)
    assert row.avg_daily_outflows_real == pytest.approx(292.655 / 270.970, rel=1e-12)
    assert row.cash_buffer_days * row.avg_daily_outflows == pytest.approx(3450.0, rel=1e-12)


def test_average_daily_outflows_divide_by_the_days_of_the_window_used(con):
    # Data from 2020-01-01, rent 180 that day and 90 on 2020-03-01; statement 2020-06-27 with
    # buffer.min_history_days = 179: the window is cut to the 179 days with data, so
    # (180 + 90) / 179 = 1.508379... a day (not 270 / 365 = 0.7397). The balance is 1620
    # for 60 days (Jan 1 - Feb 29) and 1530 for 119 (Mar 1 - Jun 27): J = 97,200 + 182,070
    # = 279,270; buffer days = J / outflows = 279,270 / 270 = 1034.33, and
    # ADB / avg outflows = (279,270 / 179) / (270 / 179) gives the same.
    # The default min_history_days = 180 leaves both missing (179 days < 180).
    firm = one_firm(
        opening=1800.0,
        account_open=D(2020, 1, 1),
        deposits=[(D(2020, 1, 1), -180.0, "rent"), (D(2020, 3, 1), -90.0, "rent")],
        statements=[(D(2020, 6, 27), 0.0)],
    )
    row = panel_of(con, firm, LOOSE.with_overrides(["buffer.min_history_days=179"])).iloc[0]
    assert row.avg_daily_outflows == pytest.approx(270.0 / 179.0, rel=1e-12)
    assert row.cash_buffer_days == pytest.approx(279_270.0 / 270.0, rel=1e-12)
    assert row.cash_buffer_days * row.avg_daily_outflows == pytest.approx(
        279_270.0 / 179.0, rel=1e-12
    )
    short = panel_of(con, firm).iloc[0]
    assert pd.isna(short.avg_daily_outflows) and pd.isna(short.cash_buffer_days)
    assert pd.isna(short.avg_daily_outflows_real)


def test_average_daily_outflows_are_missing_without_outflows(con):
    # Only an inflow and an own transfer in the window: no outflows -> missing, like
    # buffer days (not 0).
    p = panel_of(
        con,
        one_firm(
            opening=500.0,
            account_open=D(2020, 1, 1),
            deposits=[(D(2020, 3, 1), 100.0, "sales"), (D(2020, 5, 1), -20.0, "transfer_own")],
            statements=[(D(2021, 1, 15), 0.0)],
        ),
    )
    assert pd.isna(p.avg_daily_outflows.iloc[0])
    assert pd.isna(p.avg_daily_outflows_real.iloc[0])


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    txs=st.lists(
        st.tuples(st.integers(0, 500), st.floats(-1e4, 1e4, allow_nan=False)),
        min_size=1,
        max_size=15,
    ),
    opening=st.floats(0, 1e5, allow_nan=False),
    scale=st.sampled_from([0.01, 3.0, 1000.0]),
)
def test_buffer_days_do_not_change_when_all_money_is_scaled(duckdb_con, txs, opening, scale):
    base = dt.date(2020, 1, 1)
    statements = [(base + dt.timedelta(d), 0.0) for d in (200, 400, 520)]

    def firm(k: float):
        return one_firm(
            opening=opening * k,
            account_open=base,
            deposits=[
                (base + dt.timedelta(d), x * k, "rent" if x < 0 else "sales") for d, x in txs
            ],
            statements=[(d, b * k) for d, b in statements],
        )

    cfg = LOOSE.with_overrides(["sample.max_annual_revenue=1e30"])  # keep scaled firms
    a = panel_of(duckdb_con, firm(1.0), cfg).cash_buffer_days
    b = panel_of(duckdb_con, firm(scale), cfg).cash_buffer_days
    assert a.isna().tolist() == b.isna().tolist()
    for x, y in zip(a.dropna(), b.dropna(), strict=True):
        assert y == pytest.approx(x, rel=1e-9, abs=1e-9)
