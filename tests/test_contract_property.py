"""Property: random mixtures of good and bad rows never break the accounting identity, and
every row gets the reason a plain-Python reading of the contract gives it."""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from econscope.config import DEFAULT_CATEGORY_GROUPS, EngineConfig
from econscope.engine import connect
from econscope.smallbiz.schema import REASONS
from econscope.smallbiz.validation import validate
from test_contract_data import Table, clean, write_csv

# Fields drawn from good and bad values alike. A1 is open from 2020-01-01; A2 from
# 2020-01-01 to 2020-12-31 (see test_contract_data.clean).
ACCOUNTS = st.sampled_from(["A1", "A2", "A9", "", " "])
DATES = st.sampled_from(
    ["2020-03-01", "2020-12-31", "2021-01-01", "2019-12-31", "2020-02-30", "03/01/2020", ""]
)
AMOUNTS = st.sampled_from(["12.5", "-3", "0", "1e3", "abc", "inf", "-Infinity", "NaN", ""])
CATEGORIES = st.sampled_from(["sales", "Rent", " payroll ", "lottery", ""])
ROWS = st.lists(st.tuples(ACCOUNTS, DATES, AMOUNTS, CATEGORIES), min_size=0, max_size=25)

OPEN = {"A1": (dt.date(2020, 1, 1), None), "A2": (dt.date(2020, 1, 1), dt.date(2020, 12, 31))}

# A random table may have nothing accepted: validate warns, as it should.
pytestmark = pytest.mark.filterwarnings("ignore::econscope.errors.EconscopeWarning")


def expected_reason(account: str, date: str, amount: str, category: str) -> str | None:
    """The contract read as plain Python (docs/contract.md, deposit_transactions)."""
    if not account.strip() or not date.strip() or not category.strip():
        return "missing_value"
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        return "bad_date"
    try:
        value = float(amount)
    except ValueError:
        return "bad_amount"
    if not math.isfinite(value):
        return "bad_amount"
    if category.strip().lower() not in DEFAULT_CATEGORY_GROUPS:
        return "unknown_category"
    if account not in OPEN:
        return "unknown_account"
    opened, closed = OPEN[account]
    if day < opened or (closed is not None and day > closed):
        return "outside_account_dates"
    return None


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=ROWS, duplicated_firm=st.booleans())
def test_random_rows_keep_the_identity_and_get_the_contract_reason(rows, duplicated_firm):
    data = clean()
    table = Table([*data["deposit_transactions"].columns, "row_id"])
    # One good row always: a column none of whose values parses is a table-level error
    # (tested in test_contract_tables), not a row-level fault.
    table.add("A1", "2020-03-01", "1", "sales", "anchor")
    for i, row in enumerate(rows):
        table.add(*row, str(i))
    data["deposit_transactions"] = table
    if duplicated_firm:
        data["firms"].add("F2", "construction", None)  # an exact duplicate: one copy kept
    con = connect(EngineConfig(threads=1))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        result = validate(write_csv(Path(tmp) / "in", data), out, con=con)
        acc = result.accounting
        assert (acc.rows_in == acc.rows_accepted + acc.rows_quarantined).all()
        assert set(result.quarantine_summary.reason) <= set(REASONS)
        quarantine = pq.read_table(out / "quarantine" / "deposit_transactions.parquet")
        got = {r["row_id"]: r["reason"] for r in quarantine.to_pylist()}
        accepted = pq.read_table(out / "deposit_transactions.parquet").num_rows
    want = {str(i): expected_reason(*row) for i, row in enumerate(rows)}
    assert got == {i: r for i, r in want.items() if r is not None}
    assert accepted == 1 + sum(r is None for r in want.values())
    assert acc.set_index("table").loc["firms", "rows_quarantined"] == int(duplicated_firm)
