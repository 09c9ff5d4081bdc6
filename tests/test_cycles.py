"""Box 1: billing cycles, credits and the revolving flag (econscope.smallbiz.method.cycles)."""

from __future__ import annotations

import datetime as dt

import hypothesis.strategies as st
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from _panel_data import LOOSE, D, arrow, one_firm, panel_of, to_ibis
from econscope.config import Settings
from econscope.smallbiz.method.cycles import billing_cycles


def cycles_of(con, statements, card_tx, cfg: Settings = LOOSE) -> pd.DataFrame:
    t = to_ibis(one_firm(statements=statements, card_tx=card_tx))
    expr = billing_cycles(t["card_accounts"], t["card_statements"], t["card_transactions"], cfg)
    return con.to_pyarrow(expr.order_by("statement_day")).to_pandas()


def test_report_example_revolves_with_20_dollars(con):
    # Box 1: $100 on June 15, $80 paid June 16..July 15 -> revolves, 100 - 80 = $20.
    c = cycles_of(
        con,
        [(D(2022, 6, 15), 100.0), (D(2022, 7, 15), 0.0)],
        [(D(2022, 6, 16), 30.0, "payment"), (D(2022, 7, 15), 50.0, "payment")],
    )
    june = c.iloc[0]
    assert june.credits_next_cycle == 80.0
    assert bool(june.revolving) is True
    assert june.revolving_balance == 20.0


def test_payment_on_the_statement_date_belongs_to_the_earlier_cycle(con):
    # $100 paid on June 15 pays the May 15 statement (posted in (May 15, June 15]);
    # the June 15 statement of $100 gets nothing by July 15 -> revolves $100.
    c = cycles_of(
        con,
        [(D(2022, 5, 15), 100.0), (D(2022, 6, 15), 100.0), (D(2022, 7, 15), 0.0)],
        [(D(2022, 6, 15), 100.0, "payment")],
    )
    assert c.credits_next_cycle.tolist()[:2] == [100.0, 0.0]
    assert c.revolving.tolist()[:2] == [False, True]
    assert c.revolving_balance.tolist()[:2] == [0.0, 100.0]


def test_payment_on_the_next_statement_date_counts(con):
    # Paid in full on July 15, the next statement date itself: a transactor in June.
    c = cycles_of(
        con,
        [(D(2022, 6, 15), 100.0), (D(2022, 7, 15), 40.0), (D(2022, 8, 15), 0.0)],
        [(D(2022, 7, 15), 100.0, "payment")],
    )
    assert bool(c.revolving.iloc[0]) is False
    assert c.revolving_balance.iloc[0] == 0.0


def test_last_statement_is_unknown_not_a_transactor(con):
    c = cycles_of(con, [(D(2022, 6, 15), 100.0), (D(2022, 7, 15), 100.0)], [])
    last = c.iloc[-1]
    assert pd.isna(last.revolving)
    assert pd.isna(last.credits_next_cycle)
    assert pd.isna(last.revolving_balance)
    assert bool(c.revolving.iloc[0]) is True  # $100 owed, nothing paid


@pytest.mark.parametrize("balance", [0.0, -25.0])
def test_zero_or_negative_statement_balance_is_a_transactor(con, balance):
    c = cycles_of(con, [(D(2022, 6, 15), balance), (D(2022, 7, 15), 10.0)], [])
    assert bool(c.revolving.iloc[0]) is False
    assert c.revolving_balance.iloc[0] == 0.0


@pytest.mark.parametrize(
    ("refunds", "revolving", "rest"), [(True, False, 0.0), (False, True, 30.0)]
)
def test_refunds_count_as_credits_only_when_configured(con, refunds, revolving, rest):
    # B = 100; payment 70 + refund 30 = 100 (refunds counted) or 70 (not): 100 - 70 = 30.
    cfg = LOOSE.with_overrides([f"cycles.refunds_as_credits={str(refunds).lower()}"])
    c = cycles_of(
        con,
        [(D(2022, 6, 15), 100.0), (D(2022, 7, 15), 0.0)],
        [(D(2022, 6, 20), 70.0, "payment"), (D(2022, 6, 25), 30.0, "refund")],
        cfg,
    )
    assert bool(c.revolving.iloc[0]) is revolving
    assert c.revolving_balance.iloc[0] == rest


def test_purchases_fees_interest_and_cash_advances_are_not_credits(con):
    kinds = ["purchase", "fee", "interest", "cash_advance"]
    c = cycles_of(
        con,
        [(D(2022, 6, 15), 100.0), (D(2022, 7, 15), 0.0)],
        [(D(2022, 6, 20), 500.0, k) for k in kinds],
    )
    assert c.credits_next_cycle.iloc[0] == 0.0
    assert c.revolving_balance.iloc[0] == 100.0


def test_cycles_of_month_end_statements_in_a_leap_year(con):
    # Statements on month ends: Feb 29 2020 (leap), Mar 31, Apr 30. The first cycle starts
    # the day after Jan 29 (Feb 29 - 1 month) = Jan 30; then (Feb 29, Mar 31] = 31 days and
    # (Mar 31, Apr 30] = 30 days.
    p = panel_of(
        con,
        one_firm(statements=[(D(2020, 2, 29), 1.0), (D(2020, 3, 31), 1.0), (D(2020, 4, 30), 1.0)]),
    )
    assert p.cycle_start.tolist() == [D(2020, 1, 30), D(2020, 3, 1), D(2020, 4, 1)]
    assert p.cycle_end.tolist() == [D(2020, 2, 29), D(2020, 3, 31), D(2020, 4, 30)]
    assert p.month.tolist() == [2, 3, 4]
    assert p.year.tolist() == [2020, 2020, 2020]


def test_first_cycle_after_a_31st_is_clamped_to_the_month_end(con):
    # March 31 2021 - 1 month = February 28 2021 (clamped), + 1 day = March 1.
    p = panel_of(con, one_firm(statements=[(D(2021, 3, 31), 1.0)]))
    assert p.cycle_start.tolist() == [D(2021, 3, 1)]


def test_first_cycle_of_a_card_opened_mid_cycle_starts_on_the_open_date(con):
    # Opened June 20; first statement July 5: max(June 20, June 5 + 1 day) = June 20.
    p = panel_of(con, one_firm(statements=[(D(2022, 7, 5), 10.0)], card_open=D(2022, 6, 20)))
    assert p.cycle_start.tolist() == [D(2022, 6, 20)]


_day = st.integers(min_value=0, max_value=120)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    stmt_days=st.lists(_day, min_size=1, max_size=5, unique=True),
    balances=st.lists(st.floats(-100, 1e5, allow_nan=False), min_size=5, max_size=5),
    credits=st.lists(
        st.tuples(_day, st.floats(0, 1e5, allow_nan=False), st.sampled_from(["payment", "refund"])),
        max_size=8,
    ),
)
def test_revolving_balance_matches_box1_and_lies_in_0_to_balance(
    duckdb_con, stmt_days, balances, credits
):
    base = dt.date(2022, 1, 1)
    days = sorted(stmt_days)
    statements = [(base + dt.timedelta(d), balances[i]) for i, d in enumerate(days)]
    card_tx = [(base + dt.timedelta(d), x, k) for d, x, k in credits]
    c = cycles_of(duckdb_con, statements, card_tx)
    for i, row in c.iterrows():
        b = balances[i]
        if i == len(days) - 1:
            assert pd.isna(row.revolving)
            continue
        # Brute force of Box 1: credits posted in (S_i, S_{i+1}].
        paid = sum(x for d, x, _ in credits if days[i] < d <= days[i + 1])
        assert row.credits_next_cycle == pytest.approx(paid, rel=1e-12, abs=1e-9)
        assert bool(row.revolving) is (b > 0 and paid < b)
        assert 0.0 <= row.revolving_balance <= max(b, 0.0)
        if row.revolving:
            assert row.revolving_balance == pytest.approx(b - paid, rel=1e-12, abs=1e-9)


def test_statements_of_two_cards_do_not_mix(con):
    t = one_firm(statements=[(D(2022, 6, 15), 100.0), (D(2022, 7, 15), 0.0)])
    t["card_accounts"] = arrow(
        "card_accounts",
        [
            {"card_id": "c", "firm_id": "f", "open_date": D(2019, 1, 1)},
            {"card_id": "d", "firm_id": "f", "open_date": D(2019, 1, 1)},
        ],
    )
    t["card_statements"] = arrow(
        "card_statements",
        [
            {"card_id": k, "statement_date": d, "statement_balance": 100.0}
            for k in "cd"
            for d in (D(2022, 6, 15), D(2022, 7, 15))
        ],
    )
    t["card_transactions"] = arrow(
        "card_transactions",
        [{"card_id": "d", "posted_date": D(2022, 7, 1), "amount": 100.0, "kind": "payment"}],
    )
    i = to_ibis(t)
    c = con.to_pyarrow(
        billing_cycles(i["card_accounts"], i["card_statements"], i["card_transactions"], LOOSE)
    ).to_pandas()
    first = c[c.statement_day == c.statement_day.min()].set_index("card_id")
    assert bool(first.loc["c", "revolving"]) is True
    assert bool(first.loc["d", "revolving"]) is False
