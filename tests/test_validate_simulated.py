"""The validator meets the simulator's dirty data: it quarantines exactly what was injected."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from econscope.smallbiz.sim.simulate import simulate
from econscope.smallbiz.validation import validate


@pytest.fixture(scope="module")
def dirty_bank(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("dirty")
    sim = simulate(
        root / "data",
        firms=40,
        start="2019-01",
        end="2020-06",
        seed=7,
        faults=0.03,
        progress=False,
    )
    result = validate(sim.out, root / "validated")
    return sim.paths["faults"], result


def test_quarantine_counts_equal_the_injected_faults(dirty_bank) -> None:
    faults_path, result = dirty_bank
    injected = pd.read_parquet(faults_path).groupby(["table", "reason"]).size().rename("injected")
    caught = result.quarantine_summary.set_index(["table", "reason"])["rows"].rename("caught")
    both = pd.concat([injected, caught], axis=1).fillna(0).astype(int)
    mismatched = both[both.injected != both.caught]
    assert mismatched.empty, mismatched


def test_accounting_identity_holds_on_dirty_data(dirty_bank) -> None:
    _, result = dirty_bank
    a = result.accounting
    assert (a.rows_in == a.rows_accepted + a.rows_quarantined).all()
    assert result.rows_quarantined > 0
