"""Yearly and industry tables (fig05, fig06, fig07, tabA1) on hand-made panels.

Every expected number is computed by hand in the comment above its assertion.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from econscope.config import Settings, load_settings
from econscope.smallbiz.results.figures import months_revolved_by_year
from econscope.smallbiz.results.firm_months import firm_months
from econscope.smallbiz.results.registry import result_table
from econscope.smallbiz.tables import TABLES
from test_figures_panel import by_key, cycle, make_panel, run


def year_of(
    firm: str,
    year: int,
    revolving_months: set[int],
    observed: range | set[int] = range(1, 13),
    **kw: Any,
) -> list[dict[str, Any]]:
    """One statement on the 20th of each observed month; revolving in the given months."""
    return [
        cycle(firm, dt.date(year, m, 20), m in revolving_months, **kw) for m in sorted(observed)
    ]


def test_fig05_pools_firm_months_per_industry_and_year(con):
    panel = make_panel(
        [
            cycle("c1", "2019-01-10", True, revolving_balance=1_000.0, industry="construction"),
            cycle("c1", "2019-02-10", True, revolving_balance=3_000.0, industry="construction"),
            cycle("c2", "2019-01-10", False, industry="construction"),
            cycle("c2", "2019-02-10", True, revolving_balance=2_000.0, industry="construction"),
            cycle("c1", "2020-05-10", True, industry="construction"),  # 2020 is not shown
            cycle("r1", "2022-03-10", False, industry="retail"),
            cycle("r2", "2022-03-10", True, revolving_balance=500.0, industry="retail"),
        ]
    )
    got = by_key(run(con, result_table("fig05", panel)), "industry", "year")
    # construction 2019: firm-months c1-Jan T, c1-Feb T, c2-Jan F, c2-Feb T -> 3/4 of
    # 2 firms; median of revolving balances {1000, 3000, 2000} = 2000 over 2 firms.
    assert got[("construction", 2019, "share_revolving")] == (0.75, 2)
    assert got[("construction", 2019, "median_revolving_balance")] == (2_000.0, 2)
    # retail 2022: 1/2; median {500}.
    assert got[("retail", 2022, "share_revolving")] == (0.5, 2)
    assert got[("retail", 2022, "median_revolving_balance")] == (500.0, 1)
    assert len(got) == 4  # nothing for 2020, nor for industry-years without data


def test_fig05_years_are_a_setting(con):
    panel = make_panel([cycle("c1", "2020-05-10", True, industry="construction")])
    s = load_settings(overrides=["results.industry_years=[2020]"])
    got = by_key(run(con, result_table("fig05", panel, s)), "industry", "year")
    assert got[("construction", 2020, "share_revolving")] == (1.0, 1)


@pytest.fixture
def year_panel():
    rows = [
        *year_of("a", 2021, set()),
        *year_of("b", 2021, set()),
        *year_of("c", 2021, set(range(1, 13))),
        *year_of("d", 2021, {1, 2, 3, 4, 5}),
        # e is observed in 11 months only (no statement in December).
        *year_of("e", 2021, set(range(1, 12)), observed=range(1, 12)),
        # f has 12 statements but December's status is unknown: 11 observed months.
        *year_of("f", 2021, set(), observed=range(1, 12)),
        cycle("f", "2021-12-20", None),
    ]
    return make_panel(rows)


def test_firm_years_count_observed_and_revolved_months(con, year_panel):
    fy = run(con, months_revolved_by_year(firm_months(year_panel), Settings())).set_index("firm_id")
    # e and f are observed in 11 months: below the default 12.
    assert sorted(fy.index) == ["a", "b", "c", "d"]
    assert fy["months_revolved"].to_dict() == {"a": 0, "b": 0, "c": 12, "d": 5}


def test_fig06_shares_by_months_revolved_among_fully_observed_firms(con, year_panel):
    got = by_key(run(con, result_table("fig06", year_panel)), "year", "months_revolved")
    # 2021, firms observed all 12 months: a, b, c, d (4). 0 months: a, b -> 2/4;
    # 12 months: c -> 1/4; 5 months: d -> 1/4; 1-11 months: d -> 1/4; the rest 0.
    assert got[(2021, "0", "share_of_firms")] == (0.5, 4)
    assert got[(2021, "12", "share_of_firms")] == (0.25, 4)
    assert got[(2021, "5", "share_of_firms")] == (0.25, 4)
    assert got[(2021, "1-11", "share_of_firms")] == (0.25, 4)
    assert got[(2021, "7", "share_of_firms")] == (0.0, 4)
    assert len(got) == 14  # "0".."12" and "1-11", every one present


def test_fig06_minimum_observed_months_is_a_setting(con, year_panel):
    s = load_settings(overrides=["results.min_months_observed=11"])
    got = by_key(run(con, result_table("fig06", year_panel, s)), "year", "months_revolved")
    # Now e (11 of 11 months revolved) and f (0 of 11) count too: 6 firms.
    # 0: a, b, f -> 3/6; 11: e -> 1/6; 1-11: d, e -> 2/6; 12: c -> 1/6.
    assert got[(2021, "0", "share_of_firms")] == (0.5, 6)
    assert got[(2021, "11", "share_of_firms")] == (round(1 / 6, 9), 6)
    assert got[(2021, "1-11", "share_of_firms")] == (round(2 / 6, 9), 6)
    assert got[(2021, "12", "share_of_firms")] == (round(1 / 6, 9), 6)


def test_fig06_shares_of_single_counts_sum_to_one(con, year_panel):
    df = run(con, result_table("fig06", year_panel))
    singles = df[df["months_revolved"] != "1-11"]
    assert singles["value"].sum() == pytest.approx(1.0)


def test_fig07_transitions_to_never_and_always_next_year(con):
    everything = set(range(1, 13))
    panel = make_panel(
        [
            *year_of("a", 2020, set()),
            *year_of("a", 2021, set()),
            *year_of("b", 2020, set()),
            *year_of("b", 2021, {1, 2, 3}),
            *year_of("c", 2020, everything),
            *year_of("c", 2021, everything),
            *year_of("c", 2022, set()),
            *year_of("d", 2020, {1, 2, 3, 4, 5, 6}),
            *year_of("d", 2021, set(), observed=range(1, 12)),  # 11 months: no pair
        ]
    )
    got = by_key(run(con, result_table("fig07", panel)), "months_revolved")
    # 0 months in t: pairs a(2020->2021: 0) and b(2020->2021: 3) -> never next year 1/2,
    # always 0/2, 2 firms.
    assert got[("0", "share_revolving_0_next_year")] == (0.5, 2)
    assert got[("0", "share_revolving_12_next_year")] == (0.0, 2)
    # 12 months in t: c 2020->2021 (12) and c 2021->2022 (0): 1/2 each, 1 distinct firm.
    assert got[("12", "share_revolving_0_next_year")] == (0.5, 1)
    assert got[("12", "share_revolving_12_next_year")] == (0.5, 1)
    # 6 months in t: d's next year is not fully observed, so no pair: empty cell.
    assert got[("6", "share_revolving_0_next_year")] == (None, 0)
    # b revolved 3 months in 2021 but has no 2022.
    assert got[("3", "share_revolving_0_next_year")] == (None, 0)
    assert len(got) == 26  # 13 rows x 2 measures


@pytest.fixture
def revenue_panel():
    return make_panel(
        [
            cycle("r1", "2020-06-10", False, revenue=100_000.0),
            cycle("r1", "2021-06-10", False, revenue=200_000.0),
            cycle("r1", "2021-07-10", False, revenue=200_000.0),
            cycle("r1", "2022-06-10", False, revenue=600_000.0),
            cycle("r2", "2021-06-10", False, revenue=50_000.0),
            cycle("r3", "2020-06-10", False, revenue=80_000.0),
            cycle("r3", "2021-06-10", False, revenue=120_000.0),
            cycle("k1", "2022-06-10", False, revenue=226_000.0, industry="construction"),
        ]
    )


def test_tabA1_all_years_is_the_median_of_firm_median_revenue(con, revenue_panel):
    s = load_settings(overrides=["results.tabA1_revenue_year=all"])
    got = by_key(run(con, result_table("tabA1", revenue_panel, s)), "industry")
    # retail firm medians over years: r1 {100k, 200k, 600k} -> 200k; r2 50k;
    # r3 {80k, 120k} -> 100k. Median over firms {200k, 50k, 100k} = 100k, 3 firms.
    assert got[("retail", "firms")] == (3.0, 3)
    assert got[("retail", "median_annual_revenue")] == (100_000.0, 3)
    # construction: one firm, 226k (2022 $, the _real column; nominal would be 180.8k).
    assert got[("construction", "median_annual_revenue")] == (226_000.0, 1)


def test_tabA1_reads_2022_revenue_by_default(con, revenue_panel):
    got = by_key(run(con, result_table("tabA1", revenue_panel)), "industry")
    # The report's Table A1 is 2022 revenue. 2022 only: retail has r1 (600k);
    # construction k1 (226k).
    assert got[("retail", "firms")] == (1.0, 1)
    assert got[("retail", "median_annual_revenue")] == (600_000.0, 1)
    assert got[("construction", "median_annual_revenue")] == (226_000.0, 1)


@pytest.mark.parametrize("table_id", ["fig05", "fig06", "fig07", "tabA1"])
def test_yearly_tables_have_the_registered_columns(table_id, revenue_panel):
    assert tuple(result_table(table_id, revenue_panel).columns) == TABLES[table_id].columns
