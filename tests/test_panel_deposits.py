"""Deposit flows and average daily balances per cycle (econscope.smallbiz.method.cashflow)."""

from __future__ import annotations

import datetime as dt

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from _panel_data import LOOSE, D, arrow, one_firm, panel_of


def test_adb_carries_balances_over_days_without_transactions_in_a_leap_february(con):
    # Opening 1000 on 2020-01-01; +500 sales on Feb 10; -300 rent on Feb 29.
    # Cycle (Jan 31, Feb 29] has 29 days: Feb 1-9 at 1000 (9 days), Feb 10-28 at 1500
    # (19 days), Feb 29 at 1200 (1 day): (9000 + 28500 + 1200) / 29 = 38700 / 29.
    p = panel_of(
        con,
        one_firm(
            opening=1000.0,
            account_open=D(2020, 1, 1),
            statements=[(D(2020, 1, 31), 0.0), (D(2020, 2, 29), 0.0), (D(2020, 3, 31), 0.0)],
            deposits=[(D(2020, 2, 10), 500.0, "sales"), (D(2020, 2, 29), -300.0, "rent")],
        ),
    )
    assert p.adb.tolist() == pytest.approx([1000.0, 38700 / 29, 1200.0], rel=1e-12)
    feb = p.iloc[1]
    assert (feb.revenues, feb.expenses, feb.net_cash_flow, feb.total_outflows) == (
        500.0,
        300.0,
        200.0,
        300.0,
    )
    assert feb.n_transactions == 2
    assert p.n_transactions.tolist() == [0, 2, 0]


def test_two_accounts_are_summed_and_balances_may_be_negative(con):
    # a: opens 2021-01-01 with 100, pays 400 payroll on Jan 20 -> -300;
    # b: opens 2021-01-16 with 50. Firm: Jan 1-15 at 100 (15 days), Jan 16-19 at 150
    # (4 days), Jan 20-31 at -250 (12 days): (1500 + 600 - 3000) / 31 = -900 / 31.
    t = one_firm(
        statements=[(D(2021, 1, 31), 0.0)],
        deposits=[(D(2021, 1, 20), -400.0, "payroll")],
        opening=100.0,
        account_open=D(2021, 1, 1),
    )
    t["deposit_accounts"] = arrow(
        "deposit_accounts",
        [
            {
                "account_id": "a",
                "firm_id": "f",
                "open_date": D(2021, 1, 1),
                "opening_balance": 100.0,
            },
            {
                "account_id": "b",
                "firm_id": "f",
                "open_date": D(2021, 1, 16),
                "opening_balance": 50.0,
            },
        ],
    )
    p = panel_of(con, t)
    assert p.adb.iloc[0] == pytest.approx(-900 / 31, rel=1e-12)


def test_a_balances_table_replaces_the_rebuild_and_sparse_rows_carry_over(con):
    # a has balance rows on Jan 5 (100) and Jan 20 (40); its transactions count as flows
    # only. Before its first row it holds its opening balance 0. b (no rows) is rebuilt:
    # opening 10 + 5 sales on Jan 25.
    # a: Jan 1-4 at 0, Jan 5-19 at 100 (15 days), Jan 20-31 at 40 (12 days) = 1980;
    # b: Jan 1-24 at 10 (24 days), Jan 25-31 at 15 (7 days) = 345. ADB = 2325 / 31.
    t = one_firm(
        statements=[(D(2021, 1, 31), 0.0)],
        deposits=[(D(2021, 1, 7), 999.0, "sales")],
        account_open=D(2021, 1, 1),
    )
    t["deposit_accounts"] = arrow(
        "deposit_accounts",
        [
            {"account_id": "a", "firm_id": "f", "open_date": D(2021, 1, 1), "opening_balance": 0.0},
            {
                "account_id": "b",
                "firm_id": "f",
                "open_date": D(2021, 1, 1),
                "opening_balance": 10.0,
            },
        ],
    )
    t["deposit_transactions"] = arrow(
        "deposit_transactions",
        [
            {"account_id": "a", "posted_date": D(2021, 1, 7), "amount": 999.0, "category": "sales"},
            {"account_id": "b", "posted_date": D(2021, 1, 25), "amount": 5.0, "category": "sales"},
        ],
    )
    t["deposit_balances"] = arrow(
        "deposit_balances",
        [
            {"account_id": "a", "date": D(2021, 1, 5), "balance": 100.0},
            {"account_id": "a", "date": D(2021, 1, 20), "balance": 40.0},
        ],
    )
    p = panel_of(con, t)
    assert p.adb.iloc[0] == pytest.approx(2325 / 31, rel=1e-12)
    assert p.revenues.iloc[0] == 1004.0  # 999 + 5: flows come from transactions


def test_a_closed_account_contributes_nothing_after_its_close_date(con):
    # a: 100 from Jan 1, closed Jan 10; b: 10 from Jan 1.
    # Jan 1-10 at 110 (10 days), Jan 11-31 at 10 (21 days): (1100 + 210) / 31.
    t = one_firm(statements=[(D(2021, 1, 31), 0.0)], account_open=D(2021, 1, 1))
    t["deposit_accounts"] = arrow(
        "deposit_accounts",
        [
            {
                "account_id": "a",
                "firm_id": "f",
                "open_date": D(2021, 1, 1),
                "close_date": D(2021, 1, 10),
                "opening_balance": 100.0,
            },
            {
                "account_id": "b",
                "firm_id": "f",
                "open_date": D(2021, 1, 1),
                "opening_balance": 10.0,
            },
        ],
    )
    p = panel_of(con, t)
    assert p.adb.iloc[0] == pytest.approx(1310 / 31, rel=1e-12)


def _cycle_flow_firm() -> dict:
    return one_firm(
        statements=[(D(2021, 1, 15), 0.0), (D(2021, 2, 15), 0.0)],
        deposits=[
            (D(2021, 1, 15), 100.0, "sales"),
            (D(2021, 1, 16), -50.0, "suppliers"),
            (D(2021, 1, 20), 1000.0, "loan_proceeds"),
            (D(2021, 1, 25), -300.0, "card_payment"),
            (D(2021, 2, 15), -20.0, "transfer_own"),
        ],
        account_open=D(2020, 1, 1),
    )


def test_flows_fall_in_the_cycle_whose_statement_closes_on_or_after_them(con):
    # Statements Jan 15 and Feb 15 2021. Jan 15 (the statement date) belongs to the first
    # cycle; Jan 16 to the second. Own transfers move the balance but no flow.
    # Second cycle: expenses 50; net = -50 + 1000 (loan) = 950 (the card payment is the
    # outcome, left out by default); total outflows = 50 + 300 = 350 (the card payment is
    # an outflow of cash); 3 transactions (the own transfer not counted).
    p = panel_of(con, _cycle_flow_firm())
    first, second = p.iloc[0], p.iloc[1]
    assert (first.revenues, first.expenses, first.n_transactions) == (100.0, 0.0, 1)
    assert (second.revenues, second.expenses) == (0.0, 50.0)
    assert second.net_cash_flow == 950.0
    assert second.total_outflows == 350.0
    assert second.n_transactions == 3


def test_net_cash_flow_counts_card_payments_only_when_asked(con):
    # Same firm with flows.net_cash_flow_excludes_card_payments = false: the second
    # cycle's net = -50 + 1000 - 300 (card payment) = 650; the other flows do not change.
    settings = LOOSE.with_overrides(["flows.net_cash_flow_excludes_card_payments=false"])
    second = panel_of(con, _cycle_flow_firm(), settings).iloc[1]
    assert second.net_cash_flow == 650.0
    assert (second.expenses, second.total_outflows) == (50.0, 350.0)


def test_adb_counts_only_days_with_data(con):
    # Account opens Jan 20 2021 with 310: the Jan 31 cycle has data on Jan 20-31 only, so
    # ADB = 310; the Dec 31 2020 cycle has no day with data: missing.
    p = panel_of(
        con,
        one_firm(
            statements=[(D(2020, 12, 31), 0.0), (D(2021, 1, 31), 0.0)],
            opening=310.0,
            account_open=D(2021, 1, 20),
        ),
    )
    assert pd.isna(p.adb.iloc[0])
    assert p.adb.iloc[1] == 310.0


_tx = st.tuples(
    st.integers(0, 89),
    st.floats(-5e4, 5e4, allow_nan=False).map(lambda x: round(x, 2)),
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    txs=st.lists(_tx, max_size=30),
    opening=st.floats(-1e4, 1e5, allow_nan=False),
    stmt_days=st.lists(st.integers(0, 89), min_size=1, max_size=4, unique=True),
)
def test_adb_is_the_mean_of_daily_balances_and_lies_between_their_extremes(
    duckdb_con, txs, opening, stmt_days
):
    base = dt.date(2021, 3, 1)
    t = one_firm(
        statements=[(base + dt.timedelta(d), 0.0) for d in sorted(stmt_days)],
        deposits=[(base + dt.timedelta(d), x, "sales" if x > 0 else "rent") for d, x in txs],
        opening=opening,
        account_open=base,
    )
    p = panel_of(duckdb_con, t)
    # Brute force: the end-of-day balance of every calendar day.
    daily = np.full(90, opening)
    for d, x in txs:
        daily[d:] += x
    for row in p.itertuples():
        lo = max((row.cycle_start - base).days, 0)
        hi = (row.cycle_end - base).days
        window = daily[lo : hi + 1]
        assert row.adb == pytest.approx(window.mean(), rel=1e-9, abs=1e-6)
        assert window.min() - 1e-6 <= row.adb <= window.max() + 1e-6
