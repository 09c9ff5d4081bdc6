"""Hand-made panel-shaped tables for the result-table tests, and the firm-month unit.

``make_panel`` builds a table with exactly the DESIGN.md panel columns. Test values are
given in 2022 dollars (the ``*_real`` columns); the nominal columns are the real ones
divided by ``DEFLATOR``, so a table computed from nominal dollars would be visibly wrong.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from econscope.smallbiz.method.panel import PANEL_COLUMNS
from econscope.smallbiz.results.firm_months import RESULT_INPUT_COLUMNS, firm_months

DEFLATOR = 1.25
MONEY = (
    "statement_balance",
    "credits_next_cycle",
    "revolving_balance",
    "revenues",
    "expenses",
    "net_cash_flow",
    "total_outflows",
    "adb",
    "annual_revenue",
    "avg_daily_outflows",
)
PANEL_SCHEMA: dict[str, str] = {
    "firm_id": "string",
    "card_id": "string",
    "statement_date": "date",
    "cycle_start": "date",
    "cycle_end": "date",
    "statement_balance": "float64",
    "credits_next_cycle": "float64",
    "revolving": "boolean",
    "revolving_balance": "float64",
    "revenues": "float64",
    "expenses": "float64",
    "net_cash_flow": "float64",
    "total_outflows": "float64",
    "n_transactions": "int64",
    "adb": "float64",
    "cash_buffer_days": "float64",
    "avg_daily_outflows": "float64",
    "year": "int64",
    "month": "int64",
    "industry": "string",
    "annual_revenue": "float64",
    "size_class": "string",
    **{f"{m}_real": "float64" for m in MONEY},
}


def cycle(
    firm: str,
    date: dt.date | str,
    revolving: bool | None,
    *,
    balance: float = 1_000.0,
    revolving_balance: float | None = None,
    adb: float | None = 5_000.0,
    buffer_days: float | None = 20.0,
    daily_outflows: float | None = 250.0,
    industry: str | None = "retail",
    revenue: float | None = 50_000.0,
    size_class: str | None = "small",
) -> dict[str, Any]:
    """One card statement in 2022 dollars; revolving_balance defaults to balance / 2.

    ``daily_outflows`` is the trailing window's average daily outflows (the default 250
    = ADB 5000 / 20 buffer days, a flat balance over the year).
    """
    d = dt.date.fromisoformat(date) if isinstance(date, str) else date
    if revolving_balance is None:
        revolving_balance = balance / 2 if revolving else 0.0
    credits = balance - revolving_balance
    real = {
        "statement_balance": balance,
        "credits_next_cycle": credits,
        "revolving_balance": revolving_balance if revolving is not None else None,
        "revenues": 4_000.0,
        "expenses": 3_500.0,
        "net_cash_flow": 500.0,
        "total_outflows": 3_800.0,
        "adb": adb,
        "annual_revenue": revenue,
        "avg_daily_outflows": daily_outflows,
    }
    row: dict[str, Any] = {
        "firm_id": firm,
        "card_id": f"card-{firm}",
        "statement_date": d,
        "cycle_start": d - dt.timedelta(days=30),
        "cycle_end": d,
        "revolving": revolving,
        "n_transactions": 25,
        "cash_buffer_days": buffer_days,
        "year": d.year,
        "month": d.month,
        "industry": industry,
        "size_class": size_class,
    }
    for name, value in real.items():
        row[f"{name}_real"] = value
        row[name] = None if value is None else value / DEFLATOR
    return row


def make_panel(rows: list[dict[str, Any]]) -> ibis.Table:
    """A panel-shaped Ibis memtable with exactly the DESIGN.md columns and types."""
    frame = pd.DataFrame(rows, columns=list(PANEL_SCHEMA))
    return ibis.memtable(frame, schema=PANEL_SCHEMA)


def run(con: ibis.BaseBackend, expr: ibis.Table) -> pd.DataFrame:
    """Execute through Arrow (ibis's own pandas conversion warns under pandas 3)."""
    return con.to_pyarrow(expr).to_pandas()


def by_key(df: pd.DataFrame, *keys: str) -> dict[tuple, tuple[float, int]]:
    """{(dims..., measure): (value, n_firms)} for compact assertions."""
    out = {}
    for _, r in df.iterrows():
        key = tuple(
            r[k].date() if isinstance(r[k], pd.Timestamp) else r[k] for k in (*keys, "measure")
        )
        value = None if pd.isna(r["value"]) else round(float(r["value"]), 9)
        out[key] = (value, int(r["n_firms"]))
    return out


def test_panel_factory_has_exactly_the_design_columns():
    panel = make_panel([cycle("f1", "2020-01-15", True)])
    assert set(RESULT_INPUT_COLUMNS) <= set(panel.columns)
    assert len(panel.columns) == 22 + len(MONEY)  # 22 named columns + 10 *_real
    assert tuple(panel.columns) == PANEL_COLUMNS  # same names, same order


def test_two_statements_in_a_month_make_one_firm_month(con):
    # f1 has statements on Jan 2 and Jan 31 2020: one transacts, one revolves $300 and
    # $100 (max 300, not the sum 400); ADB 1000 and 3000 -> mean 2000; buffer 10, 30 -> 20.
    panel = make_panel(
        [
            cycle("f1", "2020-01-02", False, adb=1_000.0, buffer_days=10.0),
            cycle("f1", "2020-01-31", True, revolving_balance=300.0, adb=3_000.0, buffer_days=30.0),
            cycle("f1", "2020-01-31", True, revolving_balance=100.0, adb=2_000.0, buffer_days=20.0),
        ]
    )
    fm = run(con, firm_months(panel))
    assert len(fm) == 1
    row = fm.iloc[0]
    assert row["month"] == dt.date(2020, 1, 1)
    assert bool(row["revolving"]) is True
    assert row["revolving_balance"] == 300.0
    assert row["adb"] == pytest.approx((1_000 + 3_000 + 2_000) / 3)
    assert row["cash_buffer_days"] == pytest.approx(20.0)


def test_firm_month_status_is_unknown_only_when_every_cycle_is_unknown(con):
    panel = make_panel(
        [
            cycle("known", "2020-03-01", None),
            cycle("known", "2020-03-30", False),
            cycle("unknown", "2020-03-10", None),
        ]
    )
    fm = run(con, firm_months(panel)).set_index("firm_id")
    assert bool(fm.loc["known", "revolving"]) is False
    assert pd.isna(fm.loc["unknown", "revolving"])


def test_firm_month_uses_real_dollars_and_labels_missing_groups_unknown(con):
    panel = make_panel(
        [cycle("f1", "2021-06-15", True, revolving_balance=800.0, industry=None, size_class=None)]
    )
    row = run(con, firm_months(panel)).iloc[0]
    assert row["revolving_balance"] == 800.0  # the _real column, not 800 / 1.25
    assert (row["industry"], row["size_class"]) == ("unknown", "unknown")
    assert row["year"] == 2021


def test_covers_and_keeps_buffer_per_revolving_cycle(con):
    # covers: ADB >= B. keeps: ADB - B >= 15 x average daily outflows (of the trailing
    # window, the panel's avg_daily_outflows_real), whatever the buffer days.
    # a: ADB 1000, B 700, outflows 20 a day: 300 >= 15 x 20 = 300 -> keeps (the boundary
    #    counts; exact in float64).
    # b: ADB 1000, B 600, outflows 40: 400 < 600 -> covers, does not keep.
    # c: ADB 1000, B 500, buffer days 0 (no cash over the year) but outflows 10:
    #    500 >= 150 -> keeps: the test is on the cycle's ADB and the outflows only.
    # d: transactor -> neither is defined (null).
    # e: ADB 1000, B 500, no average outflows (short history) -> keeps is null.
    panel = make_panel(
        [
            cycle("a", "2020-01-15", True, balance=700.0, adb=1_000.0, daily_outflows=20.0),
            cycle("b", "2020-01-15", True, balance=600.0, adb=1_000.0, daily_outflows=40.0),
            cycle(
                "c",
                "2020-01-15",
                True,
                balance=500.0,
                adb=1_000.0,
                buffer_days=0.0,
                daily_outflows=10.0,
            ),
            cycle("d", "2020-01-15", False, balance=500.0, adb=1_000.0),
            cycle(
                "e",
                "2020-01-15",
                True,
                balance=500.0,
                adb=1_000.0,
                buffer_days=None,
                daily_outflows=None,
            ),
        ]
    )
    fm = run(con, firm_months(panel)).set_index("firm_id")
    assert fm.loc[["a", "b", "c", "e"], "covers"].tolist() == [True, True, True, True]
    assert pd.isna(fm.loc["d", "covers"])
    assert fm.loc[["a", "b", "c"], "keeps_buffer"].tolist() == [True, False, True]
    assert pd.isna(fm.loc["d", "keeps_buffer"])
    assert pd.isna(fm.loc["e", "keeps_buffer"])


def test_result_tables_equal_the_single_builders(con):
    from econscope.smallbiz.results.registry import (
        KERNELS,
        example_panel,
        result_table,
        result_tables,
    )

    panel = con.create_table(
        "example_panel", example_panel(), temp=True
    )  # cache() needs a bound table
    together = result_tables(panel, cache=True)
    for table_id in KERNELS:
        alone_expr = result_table(table_id, panel)
        keys = [*alone_expr.columns[:-3]]
        alone = run(con, alone_expr).sort_values(keys).reset_index(drop=True)
        cached = run(con, together[table_id]).sort_values(keys).reset_index(drop=True)
        pd.testing.assert_frame_equal(cached, alone, check_dtype=False)


statements = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "d", "e"]),
        st.dates(dt.date(2020, 1, 1), dt.date(2020, 4, 30)),
        st.sampled_from([True, False, None]),
        st.integers(1, 50).map(lambda x: x * 10.0),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=15, deadline=None)
@given(rows=statements)
def test_property_fig02_equals_a_pandas_reference(rows):
    from econscope.engine import connect
    from econscope.smallbiz.results.registry import result_table

    panel = make_panel(
        [cycle(f, d, r, revolving_balance=b if r else 0.0, balance=1e4) for f, d, r, b in rows]
    )
    got = by_key(run(connect(), result_table("fig02", panel)), "month")
    # The reference, written independently in pandas: collapse to firm-months, then count.
    df = pd.DataFrame(rows, columns=["firm", "date", "rev", "bal"])
    df["month"] = df["date"].map(lambda d: d.replace(day=1))
    known = df[df["rev"].notna()].copy()
    known["rev"] = known["rev"].astype(bool)
    known["bal"] = known["bal"].where(known["rev"])
    fm = known.groupby(["firm", "month"]).agg(rev=("rev", "any"), bal=("bal", "max"))
    expected = {}
    for month, g in fm.groupby(level="month"):
        expected[(month, "share_revolving")] = (round(g["rev"].mean(), 9), len(g))
        revolvers = g[g["rev"]]
        median = None if revolvers.empty else round(float(revolvers["bal"].median()), 9)
        expected[(month, "median_revolving_balance")] = (median, len(revolvers))
    assert got == expected
