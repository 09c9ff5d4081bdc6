"""The synthetic bank's accounting identities hold to the cent (DESIGN.md, the simulator).

Each identity is computed with Ibis on DuckDB over the written Parquet files.
"""

from __future__ import annotations

from pathlib import Path

import ibis
import pytest

from econscope.smallbiz.sim.simulate import simulate

CENT = 0.005


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bank")
    simulate(out, firms=40, start="2019-01", end="2021-06", seed=11, chunk_firms=15, progress=False)
    return out


@pytest.fixture(scope="module")
def db(bank: Path):
    con = ibis.duckdb.connect()
    return {
        t: con.read_parquet(bank / f"{t}.parquet", table_name=t)
        for t in (
            "firms",
            "deposit_accounts",
            "deposit_transactions",
            "deposit_balances",
            "card_accounts",
            "card_statements",
            "card_transactions",
            "truth",
        )
    }


def test_statement_balance_is_previous_plus_debits_minus_credits(db) -> None:
    # B_t = B_{t-1} + purchases + fees + interest + cash advances - payments - refunds,
    # summed over (statement_{t-1}, statement_t]; the first statement of a card opened
    # inside the window starts from 0. A card open on the window's first day (2019-01-01)
    # was simulated through the burn-in: its first statement carries the balance from
    # before the window (as a real extract that starts mid-history), so it starts the chain.
    s = db["card_statements"]
    w = ibis.window(group_by=s.card_id, order_by=s.statement_date)
    s = s.mutate(
        prev_date=s.statement_date.lag().over(w), prev_bal=s.statement_balance.lag().over(w)
    )
    t = db["card_transactions"]
    signed = ibis.cases((t.kind.isin(["payment", "refund"]), -t.amount), else_=t.amount)
    t = t.mutate(signed=signed)
    j = s.join(
        t,
        (s.card_id == t.card_id)
        & (t.posted_date <= s.statement_date)
        & (s.prev_date.isnull() | (t.posted_date > s.prev_date)),
        how="left",
    )
    per = j.group_by(["card_id", "statement_date", "statement_balance", "prev_bal"]).agg(
        moved=j.signed.sum().fill_null(0)
    )
    per = per.join(db["card_accounts"].select("card_id", "open_date"), "card_id")
    carried = per.prev_bal.isnull() & (per.open_date == ibis.date(2019, 1, 1))
    per = per.filter(~carried)
    gap = (per.statement_balance - per.prev_bal.fill_null(0) - per.moved).abs()
    result = per.aggregate(
        n=per.count(), worst=gap.max(), fresh=per.prev_bal.isnull().sum()
    ).execute()
    assert result.n[0] > 500
    assert result.fresh[0] > 0  # cards opened inside the window start from 0
    assert result.worst[0] < CENT


def test_no_card_transaction_falls_after_the_last_statement_of_a_closed_card(db) -> None:
    c, t = db["card_accounts"], db["card_transactions"]
    j = t.join(c, "card_id")
    late = j.filter(j.close_date.notnull() & (j.posted_date > j.close_date)).count().execute()
    early = j.filter(j.posted_date < j.open_date).count().execute()
    assert (late, early) == (0, 0)


def test_deposit_balances_follow_opening_balance_plus_transactions(db) -> None:
    t = db["deposit_transactions"]
    daily = t.group_by(["account_id", "posted_date"]).agg(moved=t.amount.sum())
    w = ibis.window(group_by=daily.account_id, order_by=daily.posted_date, rows=(None, 0))
    daily = daily.mutate(cum=daily.moved.sum().over(w))
    a = db["deposit_accounts"]
    b = db["deposit_balances"]
    j = b.join(
        daily, (b.account_id == daily.account_id) & (b.date == daily.posted_date), how="left"
    ).join(a, b.account_id == a.account_id)
    gap = (j.balance - j.opening_balance.fill_null(0) - j.cum).abs()
    result = j.aggregate(n=j.count(), unmatched=j.cum.isnull().sum(), worst=gap.max()).execute()
    assert result.n[0] == db["deposit_balances"].count().execute()
    assert result.unmatched[0] == 0
    assert result.worst[0] < CENT
    # One balance row per account and day with activity, no more, no fewer.
    assert daily.count().execute() == result.n[0]


def test_every_card_payment_is_a_deposit_outflow_on_the_same_day(db) -> None:
    c, t = db["card_accounts"], db["card_transactions"]
    pay = t.filter(t.kind == "payment").join(c, "card_id")
    pay = pay.group_by(["firm_id", "posted_date"]).agg(paid=pay.amount.sum(), n=pay.count())
    a, d = db["deposit_accounts"], db["deposit_transactions"]
    out = d.filter(d.category == "card_payment").join(a, "account_id")
    out = out.group_by(["firm_id", "posted_date"]).agg(paid=-out.amount.sum(), n=out.count())
    j = pay.join(out, ["firm_id", "posted_date"], how="outer")
    bad = j.filter(
        j.paid.isnull()
        | j.paid_right.isnull()
        | ((j.paid - j.paid_right).abs() > CENT)
        | (j.n != j.n_right)
    )
    assert pay.count().execute() > 300
    assert bad.count().execute() == 0


def test_transactions_fall_inside_their_account_dates(db) -> None:
    a, d = db["deposit_accounts"], db["deposit_transactions"]
    j = d.join(a, "account_id")
    outside = j.filter(
        (j.posted_date < j.open_date) | (j.close_date.notnull() & (j.posted_date > j.close_date))
    )
    assert outside.count().execute() == 0
