"""The toy of the payment decision (benchmarks/calibrate_toy.py) reads fig06/fig07 as the
pipeline does, and its credit spells have the share their probabilities give."""

from __future__ import annotations

import numpy as np
import pytest
from benchmarks.calibrate_toy import TARGETS, Decision, distance, simulate_months, statistics


def test_statistics_read_a_hand_built_pair_of_firms() -> None:
    # Firm A revolves every month of year 1 and none of year 2; firm B six months of year 1.
    r = np.zeros((2, 24), dtype=bool)
    r[0, :12] = True
    r[1, :6] = True
    s = statistics(r)
    assert s["share"] == 18 / 48  # 18 revolved months of 48
    assert s["never"] == 2 / 4  # firm-years with 0 months: A year 2, B year 2
    assert s["all12"] == 1 / 4
    assert s["some"] == 1 / 4
    assert s["t12_0"] == 1.0  # A: 12 -> 0
    assert s["t6_0"] == 1.0  # B: 6 -> 0
    assert s["t12_12"] == 0.0
    assert np.isnan(s["t11_12"])  # no firm revolved 11 months


def test_spells_alone_give_their_stationary_share() -> None:
    # Outside a spell logit -30 (never), inside -30 + 60 (always): the share revolving is the
    # share in a spell, start / (start + end) = 0.02 / 0.1 = 0.2.
    d = Decision(intercept=-30, firm_sd=0, state=0, spell_shift=60, start=0.02, end=0.08)
    s = statistics(simulate_months(d, firms=4000, years=3, seed=1))
    assert s["share"] == pytest.approx(0.2, abs=0.01)


def test_the_distance_is_zero_at_the_report() -> None:
    assert distance(dict(TARGETS)) == 0.0
    assert distance({**TARGETS, "t6_0": TARGETS["t6_0"] + 0.03}) == pytest.approx(1.0)
