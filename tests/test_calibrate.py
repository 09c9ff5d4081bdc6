"""The calibration harness (econscope.smallbiz.sim.calibrate): its mechanics, on small banks.

The harness's quality on the report's targets is shown in docs/simulator.md (measured on
10,000-firm banks), not asserted here: these tests check that it finds known parameters.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from econscope.errors import ConfigError
from econscope.smallbiz import Calibration
from econscope.smallbiz.sim.calibrate import calibrate
from econscope.smallbiz.sim.simulate import simulate

# A small firm effect makes the revolved share sensitive to the intercept.
BASE = Calibration(burn_in_months=6, revolve_firm_sd=1.0)


def _share_revolved(cal: Calibration, out: Path) -> float:
    """Share of truly revolved statements of a 100-firm bank over 2019 (seed 3)."""
    simulate(
        out,
        firms=60,
        start="2019-01",
        end="2019-12",
        seed=3,
        calibration=cal,
        balances=False,
        progress=False,
    )
    revolved = pq.read_table(out / "truth.parquet", columns=["revolved"])["revolved"]
    return pc.mean(revolved.cast("float64")).as_py()


def test_the_harness_recovers_a_known_intercept_on_a_small_bank(tmp_path: Path) -> None:
    # Ground truth: the bank simulated with revolve_intercept = -1.6. Starting from the
    # default (-2.6), the harness minimises the squared gap of the revolved share on the
    # same seed (common random numbers) and must land near -1.6.
    target = _share_revolved(BASE.replace(revolve_intercept=-1.6), tmp_path / "truth")
    res = calibrate(
        ["revolve_intercept"],
        base=BASE,
        objective=lambda cal: (_share_revolved(cal, tmp_path / "eval") - target) ** 2,
        max_evaluations=24,
        step=0.3,
        out_dir=tmp_path / "fit",
    )
    assert res.params["revolve_intercept"] == pytest.approx(-1.6, abs=0.15)
    assert res.distance < 1e-4 < res.start_distance
    doc = json.loads((tmp_path / "fit" / "calibration.json").read_text())
    assert doc["params"] == dict(res.params) and doc["evaluations"] == res.evaluations
    assert (
        len((tmp_path / "fit" / "evaluations.csv").read_text().splitlines()) == 1 + res.evaluations
    )


def test_the_search_is_reproducible() -> None:
    def objective(cal: Calibration) -> float:
        return (cal.apr - 0.3) ** 2 + (cal.late_fee - 25.0) ** 2 / 100

    a = calibrate(["apr", "late_fee"], objective=objective, max_evaluations=60)
    b = calibrate(["apr", "late_fee"], objective=objective, max_evaluations=60)
    assert a.history.equals(b.history)
    assert a.params["apr"] == pytest.approx(0.3, abs=0.01)
    assert a.params["late_fee"] == pytest.approx(25.0, abs=0.5)


def test_a_point_outside_a_fields_range_scores_as_infinitely_far() -> None:
    # apr >= 0: the simplex from apr = 0.01 with a step of 200% visits negative values.
    res = calibrate(
        ["apr"],
        base=Calibration(apr=0.01),
        objective=lambda cal: (cal.apr + 1.0) ** 2,
        max_evaluations=15,
        step=-2.0,
    )
    assert res.history.distance.isin([float("inf")]).any()
    assert res.params["apr"] >= 0


@pytest.mark.parametrize("name", ["industry_mix", "burn_in_months", "no_such_field"])
def test_only_float_parameters_can_be_calibrated(name: str) -> None:
    with pytest.raises(ConfigError, match="not a float parameter"):
        calibrate([name], objective=lambda cal: 0.0)


def test_the_cli_refuses_an_unknown_parameter_before_any_run(tmp_path: Path, capsys) -> None:
    from econscope.cli import main

    code = main(["smallbiz", "calibrate", "--out", str(tmp_path), "--params", "no_such_field"])
    assert code == 2
    assert "not a float parameter" in capsys.readouterr().err
    assert not (tmp_path / "calibration.json").exists()
