"""Reconciliation in validate: balances against opening balance + transactions, and signs.

The clean dataset (test_contract_data.clean) reconciles exactly:
A1 opens with no opening balance (0): +100 +100 on 2020-01-05 -> 200 (reported 200);
-40.5 on 2020-01-06 -> 159.5 (reported 159.5). A2 opens with 1000: +250 on 2020-02-01 ->
1250 (reported 1250). Each test changes one number and reads the drift off by hand.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from econscope.errors import EconscopeWarning
from econscope.smallbiz.reconcile import RECONCILIATION_COLUMNS, RECONCILIATION_FILE
from econscope.smallbiz.validation import validate
from test_contract_data import clean, write_csv


def _run(tmp_path, data, overrides=()):
    from econscope.config import load_settings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EconscopeWarning)
        result = validate(
            write_csv(tmp_path / "in", data), tmp_path / "out", load_settings(overrides=overrides)
        )
    recon = pd.read_csv(tmp_path / "out" / RECONCILIATION_FILE)
    ours = [str(w.message) for w in caught if issubclass(w.category, EconscopeWarning)]
    return result, recon, ours


def test_clean_balances_reconcile_exactly(tmp_path):
    _, recon, warned = _run(tmp_path, clean())
    assert tuple(recon.columns) == RECONCILIATION_COLUMNS
    row = recon.iloc[0]
    assert (row["rows"], row.accounts) == (3, 2)  # three balance rows of A1 and A2
    assert row.max_abs_drift == pytest.approx(0.0, abs=1e-9)
    assert row.rows_over_tolerance == 0
    assert not [w for w in warned if "drift" in w]


def test_a_drift_beyond_the_tolerance_is_measured_and_flagged(tmp_path):
    data = clean()
    data["deposit_balances"].rows[1][2] = "165.5"  # A1 2020-01-06: rebuilt 159.5 -> drift 6
    result, recon, warned = _run(tmp_path, data)
    row = recon.iloc[0]
    assert row.max_abs_drift == pytest.approx(6.0)
    assert (row.rows_over_tolerance, row.accounts_over_tolerance) == (1, 1)
    assert any("max |drift| 6.00" in w and "Hint:" in w for w in warned)
    notes = result.accounting.set_index("table").loc["deposit_balances", "notes"]
    assert "max |drift| 6.00" in notes  # shown in the report's data quality section


def test_the_tolerance_is_a_setting(tmp_path):
    data = clean()
    data["deposit_balances"].rows[1][2] = "165.5"  # drift 6
    _, recon, warned = _run(tmp_path, data, ["money.reconcile_tolerance=10"])
    assert recon.iloc[0].rows_over_tolerance == 0
    assert not [w for w in warned if "drift" in w]


def test_an_unsigned_outflow_is_flagged_with_the_fix(tmp_path):
    data = clean()
    data["deposit_transactions"].rows[2][2] = "40.5"  # rent without its minus sign
    _, recon, warned = _run(tmp_path, data)
    sign = [w for w in warned if "outflow categories have a positive amount" in w]
    assert sign and sign[0].startswith("deposit_transactions: 1 transactions")
    assert "sign = {" in sign[0]  # the fix: a sign rule in the mapping
    # ... and the balances no longer reconcile: 200 + 40.5 = 240.5 against 159.5
    assert recon.iloc[0].max_abs_drift == pytest.approx(81.0)


def test_without_balances_only_the_signs_are_checked(tmp_path):
    data = clean()
    del data["deposit_balances"]
    _, recon, _ = _run(tmp_path, data)
    assert recon.empty and tuple(recon.columns) == RECONCILIATION_COLUMNS
