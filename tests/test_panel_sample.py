"""The sample filters and the funnel; firm-years and size (sample.py, panel.firm_years)."""

from __future__ import annotations

import pytest

from _panel_data import LOOSE, D, arrow, one_firm, outputs_of
from econscope.smallbiz.method.sample import FUNNEL_COLUMNS

CFG = LOOSE.with_overrides(
    ["sample.min_monthly_transactions=2", "sample.min_monthly_outflows=100.0"]
)
STATEMENT_DATES = (D(2021, 1, 15), D(2021, 2, 15), D(2021, 3, 15))
MONTHS = (D(2021, 1, 5), D(2021, 2, 5), D(2021, 3, 5))


def five_firms():
    """f1 passes; f2 has one transaction in February; f3 earns $30M in a quarter;
    f4 holds two cards; f5 holds none."""
    firms = ["f1", "f2", "f3", "f4", "f5"]
    accounts, txs = [], []
    for f in firms:
        accounts.append(
            {
                "account_id": f"a{f}",
                "firm_id": f,
                "open_date": D(2021, 1, 1),
                "opening_balance": 0.0,
            }
        )
        for m in MONTHS:
            # f2 pays its $120 of February in one transaction instead of two.
            amounts = [-120.0] if (f == "f2" and m.month == 2) else [-60.0, -60.0]
            for x in amounts:
                txs.append(
                    {"account_id": f"a{f}", "posted_date": m, "amount": x, "category": "rent"}
                )
    txs.append({"account_id": "af3", "posted_date": MONTHS[0], "amount": 3e7, "category": "sales"})
    cards = [("f1", "c1"), ("f2", "c2"), ("f3", "c3"), ("f4", "c4"), ("f4", "c4b")]
    return {
        "firms": arrow("firms", [{"firm_id": f, "industry": "retail"} for f in firms]),
        "deposit_accounts": arrow("deposit_accounts", accounts),
        "deposit_transactions": arrow("deposit_transactions", txs),
        "card_accounts": arrow(
            "card_accounts",
            [{"card_id": c, "firm_id": f, "open_date": D(2020, 1, 1)} for f, c in cards],
        ),
        "card_statements": arrow(
            "card_statements",
            [
                {"card_id": c, "statement_date": d, "statement_balance": 10.0}
                for _, c in cards
                for d in STATEMENT_DATES
            ],
        ),
        "card_transactions": arrow("card_transactions", []),
    }


def test_funnel_counts_firms_and_statements_at_every_filter(con):
    panel, _, funnel = outputs_of(con, five_firms(), CFG)
    assert tuple(funnel.columns) == FUNNEL_COLUMNS
    got = funnel[["filter", "firms_before", "firms_after", "rows_before", "rows_after"]]
    # rows = card statements: 3 per card, f4 has two cards (6), f5 none.
    assert got.values.tolist() == [
        ["active", 5, 4, 15, 12],  # f2 (3 statements) fails February
        ["small", 4, 3, 12, 9],  # f3 (3 statements) is too large
        ["one_card", 3, 1, 9, 3],  # f4 (6 statements) and f5 (0) do not hold one card
    ]
    assert (funnel.firms_dropped == funnel.firms_before - funnel.firms_after).all()
    assert (funnel.rows_dropped == funnel.rows_before - funnel.rows_after).all()
    assert set(panel.firm_id) == {"f1"}
    assert len(panel) == 3


def test_activity_thresholds_come_from_the_settings(con):
    relaxed = CFG.with_overrides(["sample.min_monthly_transactions=1"])
    _, _, funnel = outputs_of(con, five_firms(), relaxed)
    assert funnel.firms_after.iloc[0] == 5  # f2's single February transaction now suffices


def test_annual_revenue_of_a_partial_leap_year_is_annualised(con):
    # Data from 2020-07-01 (account opening) to 2020-12-31 (last transaction): 184 days of
    # the 366 of 2020. Revenue 46,000 -> annualised 46,000 x 366 / 184 = 91,500: small.
    t = one_firm(
        statements=[(D(2020, 12, 15), 0.0)],
        account_open=D(2020, 7, 1),
        deposits=[(D(2020, 7, 1), 40000.0, "sales"), (D(2020, 12, 31), 6000.0, "sales")],
        industry="construction",
    )
    panel, fy, _ = outputs_of(con, t)
    row = fy.iloc[0]
    assert (row.year, row.days_with_data, row.days_in_year) == (2020, 184, 366)
    assert row.revenue == 46000.0
    assert row.annual_revenue == pytest.approx(91500.0, rel=1e-12)
    assert row.size_class == "small"
    assert row.industry == "construction"
    # 2020 dollars to 2022 dollars: x 292.655 / 258.811 (CPI-U annual averages)
    assert row.annual_revenue_real == pytest.approx(91500.0 * 292.655 / 258.811, rel=1e-12)
    assert panel.annual_revenue.iloc[0] == pytest.approx(91500.0, rel=1e-12)
    assert panel.size_class.iloc[0] == "small"

    raw = LOOSE.with_overrides(["size.annualize_partial_years=false"])
    _, fy_raw, _ = outputs_of(con, t, raw)
    assert fy_raw.annual_revenue.iloc[0] == 46000.0


def test_size_class_is_large_only_above_the_threshold(con):
    # A full year 2021 (opened 2021-01-01, last transaction 2021-12-31): no annualising.
    def firm(revenue: float):
        return one_firm(
            statements=[(D(2021, 6, 15), 0.0)],
            account_open=D(2021, 1, 1),
            deposits=[(D(2021, 1, 1), revenue, "sales"), (D(2021, 12, 31), -1.0, "rent")],
        )

    assert outputs_of(con, firm(100_000.0))[1].size_class.iloc[0] == "small"  # not > 100k
    assert outputs_of(con, firm(100_000.01))[1].size_class.iloc[0] == "large"


def test_unknown_industries_are_kept_as_unknown(con):
    panel, _, _ = outputs_of(
        con, one_firm(statements=[(D(2021, 6, 15), 0.0)], industry="space mining")
    )
    assert panel.industry.tolist() == ["unknown"]
