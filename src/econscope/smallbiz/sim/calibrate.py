"""The calibration harness: fit Calibration parameters to the report by simulated moments.

:func:`calibrate` searches a chosen subset of :class:`Calibration` fields to minimise an
objective with scipy's derivative-free Nelder-Mead, starting from a base calibration.
The default objective (:func:`pipeline_objective`) is the one the project cares about: it
simulates a small bank (a few thousand firms) for each seed, runs the pipeline on it
(validate, panel, analyze; no report) and returns the weighted distance of the published
tables to the report's targets (:func:`econscope.smallbiz.results.fidelity.distance`).
Every evaluation uses the same seeds (common random numbers), so two calibrations are
compared on the same draws and the search sees the parameters' effect, not noise; the
search is deterministic given the seeds, the start and the budget.

Each evaluation is a full simulate + pipeline run (about 1-2 minutes for 2,000 firms on
one core): budget ``max_evaluations`` accordingly. ``out_dir`` receives
``calibration.json`` (the fitted parameters, the distance, the full fitted calibration)
and ``evaluations.csv`` (every evaluation: parameters and distance).

>>> import numpy as np
>>> res = calibrate(
...     ["apr"], objective=lambda cal: (cal.apr - 0.21) ** 2, max_evaluations=40
... )
>>> round(res.params["apr"], 3), res.evaluations <= 40
(0.21, True)
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from econscope.engine import atomic_path
from econscope.errors import ConfigError
from econscope.smallbiz.sim.calibration import Calibration

__all__ = ["CalibrationResult", "calibrate", "pipeline_objective"]

Objective = Callable[[Calibration], float]


@dataclass(frozen=True)
class CalibrationResult:
    """The fitted parameters, their distance, the fitted calibration and every evaluation."""

    params: Mapping[str, float]
    distance: float
    start_distance: float
    evaluations: int
    calibration: Calibration
    history: pd.DataFrame


def pipeline_objective(
    *,
    firms: int = 2_000,
    seeds: Sequence[int] = (1,),
    start: str = "2010-01",
    end: str = "2023-01",
    weights: Mapping[str, float] | None = None,
    work_dir: str | Path | None = None,
    memory_limit: str = "3GB",
) -> Objective:
    """Distance to the report's targets of a simulated bank, through the whole pipeline.

    For each seed: simulate ``firms`` firms, validate, build the panel, analyze, compare
    (:func:`~econscope.smallbiz.results.fidelity.compare`); the objective is the mean of
    the seeds' distances. Work files go to a temporary folder under ``work_dir`` and are
    removed after each evaluation.
    """
    from econscope.config import Settings
    from econscope.engine import connect
    from econscope.smallbiz.analysis import analyze
    from econscope.smallbiz.panel import build_panel
    from econscope.smallbiz.results.fidelity import compare, distance
    from econscope.smallbiz.sim.simulate import simulate
    from econscope.smallbiz.validation import validate

    settings = Settings().with_overrides([f'engine.memory_limit="{memory_limit}"'])

    def objective(cal: Calibration) -> float:
        values = []
        for seed in seeds:
            tmp = Path(tempfile.mkdtemp(prefix="econscope-calibrate-", dir=work_dir))
            try:
                simulate(
                    tmp / "bank",
                    firms=firms,
                    start=start,
                    end=end,
                    seed=seed,
                    calibration=cal,
                    balances=False,
                    progress=False,
                )
                con = connect(settings.engine)
                validate(tmp / "bank", tmp / "run" / "validated", settings, con=con)
                build_panel(tmp / "run" / "validated", tmp / "run" / "panel", settings, con=con)
                analyze(tmp / "run" / "panel", tmp / "run" / "results", settings, con=con)
                values.append(distance(compare(tmp / "run"), weights))
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        return float(np.mean(values))

    return objective


def calibrate(
    parameters: Sequence[str],
    *,
    objective: Objective | None = None,
    base: Calibration | None = None,
    max_evaluations: int = 20,
    step: float = 0.15,
    out_dir: str | Path | None = None,
) -> CalibrationResult:
    """Minimise ``objective`` over the float ``parameters`` of ``base`` with Nelder-Mead.

    The search runs in scaled coordinates (each parameter divided by its start value, or
    taken as is when that is 0), from the base calibration, with an initial simplex of
    relative size ``step``. A point the calibration refuses (out of a field's range) is
    scored as infinitely far. ``objective=None`` uses :func:`pipeline_objective` with its
    defaults (2,000 firms, seed 1).
    """
    from scipy.optimize import minimize

    base = base or Calibration()
    objective = objective or pipeline_objective()
    fields = Calibration.model_fields
    for name in parameters:
        if name not in fields or not isinstance(getattr(base, name), float):
            raise ConfigError(
                f"{name!r} is not a float parameter of Calibration. Hint: calibrate "
                "fields such as revolve_intercept, revolve_firm_sd, buffer_days_median"
            )
    if max_evaluations < 1:
        raise ConfigError("max_evaluations must be at least 1. Hint: e.g. 20")
    x0 = np.array([float(getattr(base, p)) for p in parameters])
    scale = np.where(x0 == 0, 1.0, np.abs(x0))
    rows: list[dict[str, float]] = []

    def score(z: np.ndarray) -> float:
        values = {p: float(v) for p, v in zip(parameters, z * scale, strict=True)}
        try:
            cal = base.replace(**values)
        except ConfigError:
            value = float("inf")
        else:
            value = float(objective(cal))
        rows.append({**values, "distance": value})
        return value if np.isfinite(value) else 1e12

    z0 = x0 / scale
    simplex = np.vstack([z0] + [z0 + step * np.eye(len(z0))[i] for i in range(len(z0))])
    minimize(
        score,
        z0,
        method="Nelder-Mead",
        options={"maxfev": max_evaluations, "initial_simplex": simplex, "xatol": 1e-4},
    )
    history = pd.DataFrame(rows, columns=[*parameters, "distance"])
    best = history.loc[history.distance.idxmin()]
    params = MappingProxyType({p: float(best[p]) for p in parameters})
    result = CalibrationResult(
        params=params,
        distance=float(best.distance),
        start_distance=float(history.distance.iloc[0]),
        evaluations=len(history),
        calibration=base.replace(**params),
        history=history,
    )
    if out_dir is not None:
        _write(Path(out_dir), result)
    return result


def _write(out: Path, result: CalibrationResult) -> None:
    out.mkdir(parents=True, exist_ok=True)
    doc = {
        "params": dict(result.params),
        "distance": result.distance,
        "start_distance": result.start_distance,
        "evaluations": result.evaluations,
        "calibration": result.calibration.model_dump(mode="json"),
    }
    with atomic_path(out / "calibration.json") as tmp:
        tmp.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    with atomic_path(out / "evaluations.csv") as tmp:
        result.history.to_csv(tmp, index=False, float_format="%.10g")
