"""The Ibis panel against the straightforward pandas reference (benchmarks/pandas_panel.py),
on a small generated bank: two independent implementations of docs/panel.md must agree."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is a package beside src/
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_panel import compare, generate  # noqa: E402
from tests.reference.pandas_panel import read_tables, reference_panel  # noqa: E402

from econscope.smallbiz.panel import build_panel  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore:fetch_arrow_table\\(\\) is deprecated:DeprecationWarning"
)


@pytest.fixture(scope="module")
def bank(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bank") / "validated"
    generate(folder, firms=30, seed=3)
    return folder


def test_panel_firm_years_and_funnel_equal_the_pandas_reference(bank, tmp_path):
    ours = build_panel(bank, tmp_path / "ours")
    panel, fy, funnel = reference_panel(read_tables(bank))
    (tmp_path / "ref").mkdir()
    panel.to_parquet(tmp_path / "ref" / "panel.parquet", index=False)
    assert compare(str(tmp_path / "ours"), str(tmp_path / "ref")).startswith("equal")
    assert len(panel) > 1000  # the comparison covers many cycles

    got_fy = pq.read_table(ours.firm_years_path).to_pandas()
    pd.testing.assert_frame_equal(got_fy.reset_index(drop=True), fy, check_dtype=False, rtol=1e-12)
    cols = ["step", "filter", "firms_before", "firms_after", "rows_before", "rows_after"]
    pd.testing.assert_frame_equal(ours.funnel[cols], funnel[cols], check_dtype=False)


def test_a_balances_table_consistent_with_the_transactions_gives_the_same_panel(bank, tmp_path):
    # End-of-day balances on the days an account has transactions (sparse rows), rebuilt
    # from opening balance + transactions: the panel must not change.
    acc = pq.read_table(bank / "deposit_accounts.parquet").to_pandas()
    tx = pq.read_table(bank / "deposit_transactions.parquet").to_pandas()
    daily = tx.groupby(["account_id", "posted_date"], as_index=False).amount.sum()
    daily = daily.merge(acc[["account_id", "opening_balance"]], on="account_id")
    daily = daily.sort_values(["account_id", "posted_date"])
    daily["balance"] = (
        daily.opening_balance.fillna(0.0) + daily.groupby("account_id").amount.cumsum()
    )
    with_balances = tmp_path / "with_balances"
    with_balances.mkdir()
    for f in bank.glob("*.parquet"):
        (with_balances / f.name).write_bytes(f.read_bytes())
    pq.write_table(
        pa.table(
            {
                "account_id": pa.array(daily.account_id.astype(str), pa.string()),
                "date": pa.array(daily.posted_date, pa.date32()),
                "balance": pa.array(daily.balance.to_numpy(), pa.float64()),
            }
        ),
        with_balances / "deposit_balances.parquet",
    )
    a = pq.read_table(build_panel(bank, tmp_path / "a").panel_path).to_pandas()
    b = pq.read_table(build_panel(with_balances, tmp_path / "b").panel_path).to_pandas()
    np.testing.assert_allclose(a.adb, b.adb, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(a.cash_buffer_days, b.cash_buffer_days, rtol=1e-9)
    np.testing.assert_allclose(a.revenues, b.revenues, rtol=1e-12)  # summation order only
