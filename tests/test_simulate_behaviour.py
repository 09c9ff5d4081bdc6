"""The synthetic bank behaves as DESIGN.md asks (entry and exit, grace periods, the
pandemic, the truth table), measured with Ibis on DuckDB over the written files."""

from __future__ import annotations

import datetime as dt

import ibis
import pytest

from econscope.config import DEFAULT_INDUSTRIES
from econscope.smallbiz.sim.simulate import simulate

START, END = dt.date(2018, 1, 1), dt.date(2021, 12, 31)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("bank")
    simulate(out, firms=150, start="2018-01", end="2021-12", seed=5, progress=False)
    con = ibis.duckdb.connect()
    names = (
        "firms",
        "deposit_accounts",
        "deposit_transactions",
        "card_accounts",
        "card_statements",
        "card_transactions",
        "truth",
    )
    return {t: con.read_parquet(out / f"{t}.parquet", table_name=t) for t in names}


def test_firms_enter_and_exit_inside_the_window(db) -> None:
    a = db["deposit_accounts"]
    entered = a.filter(a.open_date > START).firm_id.nunique().execute()
    exited = a.filter(a.close_date.notnull() & (a.close_date < END)).firm_id.nunique().execute()
    # Calibration: 45% of firms enter over the window (16 of 48 months here: ~15% of 150),
    # about 5% a year exit.
    assert entered >= 5
    assert exited >= 5


def test_relief_inflows_arrive_from_may_2020_only(db) -> None:
    d = db["deposit_transactions"]
    relief = d.filter(d.category == "relief")
    first = relief.posted_date.min().execute()
    assert first.date() >= dt.date(2020, 5, 1)
    assert relief.count().execute() > 50  # 65% of ~130 active firms get PPP-like relief
    assert relief.filter(relief.amount <= 0).count().execute() == 0


def test_sales_drop_in_april_2020(db) -> None:
    d = db["deposit_transactions"]
    sales = d.filter(d.category == "sales")
    month = sales.posted_date.truncate("M")
    per = sales.group_by(month=month).agg(total=sales.amount.sum()).execute()
    total = dict(zip(per.month.dt.date, per.total, strict=True))
    # Calibration: a 30% drop at the trough against April 2019 (same season).
    assert total[dt.date(2020, 4, 1)] < 0.85 * total[dt.date(2019, 4, 1)]


def test_the_truth_table_has_one_row_per_statement(db) -> None:
    s, t = db["card_statements"], db["truth"]
    j = s.join(t, ["card_id", "statement_date"])
    assert j.count().execute() == s.count().execute() == t.count().execute()
    same = j.filter((j.statement_balance - j.statement_balance_right).abs() > 0.005)
    assert same.count().execute() == 0


def test_due_dates_are_21_to_25_days_after_the_statement(db) -> None:
    t = db["truth"]
    gap = t.due_date.delta(t.statement_date, unit="day")
    assert (gap.min().execute(), gap.max().execute()) == (21, 25)


def test_late_payments_exist_and_post_between_due_date_and_next_statement(db) -> None:
    t, c = db["truth"], db["card_transactions"]
    w = ibis.window(group_by=t.card_id, order_by=t.statement_date)
    t = t.mutate(next_statement=t.statement_date.lead().over(w))
    late = t.filter(t.late_payment & t.next_statement.notnull())
    pay = c.filter(c.kind == "payment")
    j = late.join(
        pay,
        (late.card_id == pay.card_id)
        & (pay.posted_date > late.due_date)
        & (pay.posted_date < late.next_statement),
    )
    n_late = late.count().execute()
    assert n_late > 20
    assert j.count().execute() == n_late


def test_box1_revolving_never_exceeds_true_revolving(db) -> None:
    # Box 1: revolve when B_t > 0 and credits in (s_t, s_t+1] < B_t. A late full payment is
    # true revolving that Box 1 misses; Box 1 never finds revolving that is not true.
    t, c = db["truth"], db["card_transactions"]
    w = ibis.window(group_by=t.card_id, order_by=t.statement_date)
    t = t.mutate(next_statement=t.statement_date.lead().over(w))
    t = t.filter(t.next_statement.notnull())
    cr = c.filter(c.kind.isin(["payment", "refund"]))
    j = t.join(
        cr,
        (t.card_id == cr.card_id)
        & (cr.posted_date > t.statement_date)
        & (cr.posted_date <= t.next_statement),
        how="left",
    )
    per = j.group_by(["card_id", "statement_date", "statement_balance", "revolved"]).agg(
        credits=j.amount.sum().fill_null(0)
    )
    box1 = (per.statement_balance > 0) & (per.credits < per.statement_balance - 0.005)
    assert per.filter(box1 & ~per.revolved).count().execute() == 0
    missed = per.filter(~box1 & per.revolved).count().execute()
    assert missed > 0


def test_most_firms_pass_the_activity_filter_and_some_do_not(db) -> None:
    # DESIGN.md method step 1: >= 10 deposit transactions and >= $500 outflows every month.
    d, a = db["deposit_transactions"], db["deposit_accounts"]
    j = d.join(a, "account_id")
    m = j.group_by(["firm_id", j.posted_date.truncate("M").name("month")]).agg(
        n=j.count(), out=(-j.amount).clip(lower=0).sum()
    )
    firm = m.group_by("firm_id").agg(ok=((m.n >= 10) & (m.out >= 500)).all())
    share = firm.ok.mean().execute()
    assert 0.8 < share < 1.0


def test_every_default_industry_and_some_two_card_and_cardless_firms(db) -> None:
    f, c = db["firms"], db["card_accounts"]
    assert set(f.industry.execute()) == set(DEFAULT_INDUSTRIES)
    cards = f.join(c, "firm_id", how="left").group_by(f.firm_id).agg(n=c.card_id.count())
    counts = cards.n.value_counts().execute()
    assert set(counts.iloc[:, 0]) == {0, 1, 2}


def test_no_card_transaction_is_zero_dollars(db) -> None:
    # A purchase split into pieces can round a piece to $0; such rows are never written
    # (the validator would quarantine them as bad amounts).
    c = db["card_transactions"]
    assert c.filter(c.amount <= 0).count().execute() == 0


def test_the_window_does_not_start_cold(db) -> None:
    # With the burn-in, firms banking before 2018-01 arrive with card balances carried from
    # earlier cycles: in the window's first month, revolving cards already carry interest
    # (interest is apr/12 of a balance revolved at the previous statement), and the
    # revolving share of January 2018 is close to that of mid 2018 (not a ramp from 0).
    c, t = db["card_transactions"], db["truth"]
    jan = c.filter((c.kind == "interest") & (c.posted_date < dt.date(2018, 2, 1)))
    assert jan.count().execute() > 10

    def share(first: dt.date, last: dt.date) -> float:
        s = t.filter((t.statement_date >= first) & (t.statement_date <= last))
        return float(s.revolved.cast("float64").mean().execute())

    early = share(dt.date(2018, 1, 1), dt.date(2018, 1, 31))
    later = share(dt.date(2018, 6, 1), dt.date(2018, 8, 31))
    assert early == pytest.approx(later, abs=0.08)
