"""Box 1 against the simulator's ground truth: what the measure misses is late payment.

The simulator (econscope.smallbiz.sim.simulate) records for every card statement whether the
firm really revolved (did not pay in full by the due date) and whether it paid late
(after the due date, before the next statement). Box 1 only sees credits up to the next
statement, so a balance paid in full late looks like a transactor cycle.
"""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
import pytest

from econscope.smallbiz.panel import build_panel
from econscope.smallbiz.sim.simulate import simulate

pytestmark = pytest.mark.filterwarnings(
    "ignore:fetch_arrow_table\\(\\) is deprecated:DeprecationWarning"
)


@pytest.fixture(scope="module")
def measured(tmp_path_factory) -> pd.DataFrame:
    root = tmp_path_factory.mktemp("truth")
    simulate(root / "bank", firms=120, start="2018-01", end="2021-12", seed=5, progress=False)
    result = build_panel(root / "bank", root / "panel")
    panel = pq.read_table(result.panel_path).to_pandas()
    truth = pq.read_table(root / "bank" / "truth.parquet").to_pandas()
    truth = truth[["card_id", "statement_date", "revolved", "late_payment"]]
    panel["statement_date"] = pd.to_datetime(panel.statement_date)
    truth["statement_date"] = pd.to_datetime(truth.statement_date)
    both = panel.merge(truth, on=["card_id", "statement_date"], how="left", validate="1:1")
    return both[both.revolving.notna()]


def test_every_panel_cycle_has_its_truth(measured):
    assert measured.revolved.notna().all()
    assert len(measured) > 1000


def test_box1_agrees_with_the_truth_on_most_cycles(measured):
    agree = (measured.revolving.astype(bool) == measured.revolved.astype(bool)).mean()
    assert agree > 0.9


def test_what_box1_misses_is_the_late_payments_the_truth_marks(measured):
    box1 = measured.revolving.astype(bool)
    truth = measured.revolved.astype(bool)
    missed = measured[truth & ~box1]
    assert len(missed) > 0  # the simulator does pay some balances in full late
    assert missed.late_payment.astype(bool).all()
    # Box 1 never reports revolving that the truth does not have.
    assert not (box1 & ~truth).any()
