"""Monthly result tables (fig02, fig03, fig04, fig10, fig11, fig12) on hand-made panels.

Every expected number is computed by hand in the comment above its assertion.
"""

from __future__ import annotations

import datetime as dt

import pytest

from econscope.config import Settings, load_settings
from econscope.errors import ConfigError
from econscope.smallbiz.results.firm_months import firm_months
from econscope.smallbiz.results.registry import result_table
from econscope.smallbiz.tables import TABLES
from test_figures_panel import by_key, cycle, make_panel, run

JAN = dt.date(2020, 1, 1)
FEB = dt.date(2020, 2, 1)


def settings(*overrides: str) -> Settings:
    return load_settings(overrides=list(overrides))


@pytest.fixture
def revolving_panel():
    return make_panel(
        [
            cycle("f1", "2020-01-15", True, revolving_balance=100.0),
            cycle("f2", "2020-01-03", True, revolving_balance=300.0),
            cycle("f2", "2020-01-31", True, revolving_balance=200.0),
            cycle("f3", "2020-01-20", False),
            cycle("f4", "2020-01-20", None),
            cycle("f5", "2020-01-02", False),
            cycle("f5", "2020-01-30", True, revolving_balance=50.0),
            # February: the calendar month of the statement date, not of the cycle.
            cycle("f1", "2020-02-01", False),
            cycle("f3", "2020-02-14", True, revolving_balance=500.0),
        ]
    )


def test_fig02_has_the_registered_columns(con, revolving_panel):
    assert tuple(result_table("fig02", revolving_panel).columns) == TABLES["fig02"].columns


def test_fig02_share_and_median_per_month(con, revolving_panel):
    got = by_key(run(con, result_table("fig02", revolving_panel)), "month")
    # January: revolvers f1, f2 (both cycles), f5 (one of two) = 3 firms; known status:
    # f1, f2, f3, f5 = 4 (f4 unknown, f2 and f5 counted once) -> 3/4.
    assert got[(JAN, "share_revolving")] == (0.75, 4)
    # f2's month balance is its largest, 300; median of {100, 300, 50} = 100 over 3 firms.
    assert got[(JAN, "median_revolving_balance")] == (100.0, 3)
    # February: f3 revolves, f1 does not -> 1/2; median of {500} over 1 firm.
    assert got[(FEB, "share_revolving")] == (0.5, 2)
    assert got[(FEB, "median_revolving_balance")] == (500.0, 1)
    assert len(got) == 4


def test_fig02_month_without_revolvers_keeps_an_empty_median_row(con):
    panel = make_panel([cycle("a", "2020-01-10", False), cycle("b", "2020-01-11", False)])
    got = by_key(run(con, result_table("fig02", panel)), "month")
    assert got[(JAN, "share_revolving")] == (0.0, 2)
    assert got[(JAN, "median_revolving_balance")] == (None, 0)


@pytest.fixture
def adb_panel():
    return make_panel(
        [
            cycle("a", "2019-12-15", False, adb=150.0),
            cycle("a", "2020-01-15", False, adb=100.0),
            cycle("b", "2020-01-15", True, adb=200.0),
            cycle("c", "2020-01-15", False, adb=300.0),
            cycle("c", "2020-01-31", False, adb=None),
            cycle("a", "2020-02-15", False, adb=300.0),
            cycle("b", "2020-02-15", False, adb=500.0),
        ]
    )


def test_fig03_median_adb_and_index_to_january_2020(con, adb_panel):
    got = by_key(run(con, result_table("fig03", adb_panel)), "month")
    # January: median of {100, 200, 300} = 200 (c's null ADB cycle is ignored), 3 firms.
    assert got[(JAN, "median_adb")] == (200.0, 3)
    assert got[(JAN, "median_adb_index")] == (100.0, 3)
    # February: median of {300, 500} = 400 -> 400 / 200 x 100 = 200; the index cell
    # describes February's 2 firms and January's 3: n_firms = min = 2.
    assert got[(FEB, "median_adb")] == (400.0, 2)
    assert got[(FEB, "median_adb_index")] == (200.0, 2)
    # December 2019: 150 / 200 x 100 = 75, 1 firm.
    assert got[(dt.date(2019, 12, 1), "median_adb_index")] == (75.0, 1)


def test_fig03_index_base_month_is_a_setting(con, adb_panel):
    got = by_key(
        run(con, result_table("fig03", adb_panel, settings('results.index_base_month="2020-02"'))),
        "month",
    )
    # January 200 / February 400 x 100 = 50.
    assert got[(JAN, "median_adb_index")] == (50.0, 2)


def test_fig03_base_month_outside_the_panel_gives_an_empty_index(con, adb_panel):
    got = by_key(
        run(con, result_table("fig03", adb_panel, settings('results.index_base_month="2015-01"'))),
        "month",
    )
    assert got[(JAN, "median_adb_index")] == (None, 0)
    assert got[(JAN, "median_adb")] == (200.0, 3)


def test_fig03_rejects_a_base_month_that_is_not_a_month(adb_panel):
    with pytest.raises(ConfigError, match="YYYY-MM"):
        result_table("fig03", adb_panel, settings('results.index_base_month="January 2020"'))


def test_fig04_splits_by_size_class(con):
    panel = make_panel(
        [
            cycle("s1", "2020-01-10", True, revolving_balance=100.0, size_class="small"),
            cycle("s2", "2020-01-10", False, size_class="small"),
            cycle("l1", "2020-01-10", True, revolving_balance=900.0, size_class="large"),
            cycle("l2", "2020-01-10", True, revolving_balance=700.0, size_class="large"),
            cycle("l3", "2020-01-10", False, size_class="large"),
        ]
    )
    got = by_key(run(con, result_table("fig04", panel)), "month", "size_class")
    # small: 1 of 2 revolve; median {100}. large: 2 of 3; median {900, 700} = 800.
    assert got[(JAN, "small", "share_revolving")] == (0.5, 2)
    assert got[(JAN, "small", "median_revolving_balance")] == (100.0, 1)
    assert got[(JAN, "large", "share_revolving")] == (round(2 / 3, 9), 3)
    assert got[(JAN, "large", "median_revolving_balance")] == (800.0, 2)


@pytest.fixture
def cash_panel():
    # ADB - B against 15 x average daily outflows (the panel's trailing-window outflows
    # per day, here 40), in 2022 $.
    return make_panel(
        [
            # a: covers (1000 >= 400) and keeps: 1000 - 400 = 600 >= 15 x 40 = 600.
            cycle("a", "2020-01-15", True, balance=400.0, adb=1_000.0, daily_outflows=40.0),
            # b: covers; 1000 - 600 = 400 < 600: does not keep 15 days.
            cycle("b", "2020-01-15", True, balance=600.0, adb=1_000.0, daily_outflows=40.0),
            # c: ADB 1000 < B 2000: neither.
            cycle("c", "2020-01-15", True, balance=2_000.0, adb=1_000.0, daily_outflows=40.0),
            # d: covers; no average outflows (short history): keeps is unknown.
            cycle(
                "d",
                "2020-01-15",
                True,
                balance=500.0,
                adb=1_000.0,
                buffer_days=None,
                daily_outflows=None,
            ),
            # e: a transactor is not in fig10 at all.
            cycle("e", "2020-01-15", False, balance=500.0, adb=1_000.0, daily_outflows=40.0),
        ]
    )


def test_fig10_shares_of_revolvers_who_could_pay_from_cash(con, cash_panel):
    got = by_key(run(con, result_table("fig10", cash_panel)), "month")
    # covers: a, b, d of the 4 revolvers a-d = 3/4.
    assert got[(JAN, "share_adb_covers_balance")] == (0.75, 4)
    # keeps: a of the 3 revolvers with average outflows (a, b, c) = 1/3.
    assert got[(JAN, "share_covers_and_keeps_buffer")] == (round(1 / 3, 9), 3)


def test_fig10_buffer_threshold_is_a_setting(con, cash_panel):
    got = by_key(
        run(con, result_table("fig10", cash_panel, settings("results.buffer_days_threshold=10"))),
        "month",
    )
    # At 10 days b keeps too: 400 >= 10 x 40 = 400 -> a, b of 3 = 2/3.
    assert got[(JAN, "share_covers_and_keeps_buffer")] == (round(2 / 3, 9), 3)


def test_fig10_uses_the_trailing_windows_outflows_not_cycle_adb_over_buffer_days(con):
    # The cycle's ADB (1000) is far below the trailing year's (say 6000 over 60 buffer
    # days -> 6000 / 60 = 100 a day of outflows, as the panel records).
    # p: 1000 - 500 = 500 < 15 x 100 = 1500: does not keep a buffer. The old proxy
    # ADB / buffer days = 1000 / 60 = 16.7 a day would have said 500 >= 250: keeps.
    # q: the reverse, cycle ADB 9000 above a trailing 3000 over 30 days (100 a day):
    # 9000 - 7000 = 2000 >= 1500 keeps; the proxy 9000 / 30 = 300 a day would not
    # (2000 < 4500).
    panel = make_panel(
        [
            cycle(
                "p",
                "2020-01-15",
                True,
                balance=500.0,
                adb=1_000.0,
                buffer_days=60.0,
                daily_outflows=100.0,
            ),
            cycle(
                "q",
                "2020-01-15",
                True,
                balance=7_000.0,
                adb=9_000.0,
                buffer_days=30.0,
                daily_outflows=100.0,
            ),
        ]
    )
    fm = run(con, firm_months(panel)).set_index("firm_id")
    assert fm.keeps_buffer.to_dict() == {"p": False, "q": True}
    got = by_key(run(con, result_table("fig10", panel)), "month")
    # covers: both (1000 >= 500, 9000 >= 7000) = 2/2; keeps: q of 2 = 1/2.
    assert got[(JAN, "share_adb_covers_balance")] == (1.0, 2)
    assert got[(JAN, "share_covers_and_keeps_buffer")] == (0.5, 2)


def test_fig11_median_buffer_days_of_revolvers_and_transactors(con):
    panel = make_panel(
        [
            cycle("r1", "2020-01-10", True, buffer_days=5.0),
            cycle("r2", "2020-01-10", True, buffer_days=10.0),
            cycle("r3", "2020-01-10", True, buffer_days=30.0),
            cycle("r4", "2020-01-10", True, buffer_days=None),
            cycle("t1", "2020-01-10", False, buffer_days=20.0),
            cycle("t2", "2020-01-10", False, buffer_days=40.0),
            cycle("u1", "2020-01-10", None, buffer_days=100.0),
        ]
    )
    got = by_key(run(con, result_table("fig11", panel)), "month", "group")
    # revolvers {5, 10, 30} -> 10 (r4 has no buffer days); transactors {20, 40} -> 30;
    # u1's status is unknown, so it is in neither group.
    assert got == {
        (JAN, "revolvers", "median_cash_buffer_days"): (10.0, 3),
        (JAN, "transactors", "median_cash_buffer_days"): (30.0, 2),
    }


def test_fig12_revolving_by_buffer_group(con):
    panel = make_panel(
        [
            cycle("l1", "2020-01-10", True, revolving_balance=400.0, buffer_days=15.0),
            cycle("l2", "2020-01-10", True, revolving_balance=200.0, buffer_days=5.0),
            cycle("l3", "2020-01-10", False, buffer_days=10.0),
            cycle("h1", "2020-01-10", True, revolving_balance=100.0, buffer_days=40.0),
            cycle("h2", "2020-01-10", False, buffer_days=16.0),
            cycle("h3", "2020-01-10", False, buffer_days=30.0),
            cycle("h4", "2020-01-10", False, buffer_days=60.0),
            cycle("x", "2020-01-10", True, revolving_balance=9_999.0, buffer_days=None),
        ]
    )
    got = by_key(run(con, result_table("fig12", panel)), "month", "buffer_group")
    # <= 15 days (15 itself included): l1, l2 revolve of l1-l3 = 2/3; median {400, 200}.
    assert got[(JAN, "<= 15 days", "share_revolving")] == (round(2 / 3, 9), 3)
    assert got[(JAN, "<= 15 days", "median_revolving_balance")] == (300.0, 2)
    # > 15 days: h1 of h1-h4 = 1/4; median {100}. x has no buffer days: in neither group.
    assert got[(JAN, "> 15 days", "share_revolving")] == (0.25, 4)
    assert got[(JAN, "> 15 days", "median_revolving_balance")] == (100.0, 1)
    assert len(got) == 4


@pytest.mark.parametrize("table_id", ["fig02", "fig03", "fig04", "fig10", "fig11", "fig12"])
def test_monthly_tables_give_months_as_first_of_month_dates(con, revolving_panel, table_id):
    df = run(con, result_table(table_id, revolving_panel))
    assert set(df["month"]) <= {JAN, FEB}
    # medians are never marked here: cells of fewer than k firms are analyze's job
    assert not df.loc[df["measure"].str.startswith("median"), "suppressed"].any()
