"""Calibration of the synthetic bank against the report: measure, and fit.

Not part of ``make bench`` (each evaluation is a whole simulated bank through the
pipeline). Two modes:

``python -m benchmarks.calibrate measure --firms 10000 --seeds 1,2 [--set field=value ...]``
    simulate one bank per seed with the default calibration (or the given changes), run
    the pipeline (validate, panel, analyze), compare with the report
    (``econscope.smallbiz.results.fidelity``), and print the markdown table of
    docs/simulator.md ("The default calibration against the report"): one column per seed.

``python -m benchmarks.calibrate fit --params a,b --firms 2000 --seeds 1 --budget 12 --out DIR``
    run the harness (:func:`econscope.smallbiz.sim.calibrate.calibrate`): Nelder-Mead over
    the named fields from the default calibration, common random numbers (the same seeds
    for every evaluation), written to DIR/calibration.json and DIR/evaluations.csv.

Keep runs small on the shared machine: a 2,000-firm evaluation takes 1-3 minutes, a
10,000-firm measurement about 5-10.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

import pandas as pd


def measure_bank(
    firms: int, seed: int, changes: dict, memory_limit: str = "3GB", keep: Path | None = None
) -> pd.DataFrame:
    """Simulate, run the pipeline (no report) and compare; returns the fidelity table.

    ``keep``: a folder to copy the run's panel and results to (for a closer look at a
    measured bank: docs/simulator.md reads the models' sample means from it)."""
    from econscope.config import Settings
    from econscope.engine import connect
    from econscope.smallbiz.analysis import analyze
    from econscope.smallbiz.panel import build_panel
    from econscope.smallbiz.results.fidelity import compare
    from econscope.smallbiz.sim.calibration import Calibration
    from econscope.smallbiz.sim.simulate import simulate
    from econscope.smallbiz.validation import validate

    cal = Calibration().replace(**changes)
    tmp = Path(tempfile.mkdtemp(prefix="econscope-measure-"))
    try:
        simulate(
            tmp / "bank", firms=firms, seed=seed, calibration=cal, balances=False, progress=False
        )
        s = Settings().with_overrides([f'engine.memory_limit="{memory_limit}"'])
        con = connect(s.engine)
        validate(tmp / "bank", tmp / "run" / "validated", s, con=con)
        build_panel(tmp / "run" / "validated", tmp / "run" / "panel", s, con=con)
        analyze(tmp / "run" / "panel", tmp / "run" / "results", s, con=con)
        table = compare(tmp / "run")
        if keep is not None:
            for part in ("panel", "results"):
                shutil.copytree(tmp / "run" / part, keep / f"seed{seed}" / part, dirs_exist_ok=True)
        return table
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _shown(row: object, value: float) -> str:
    if pd.isna(value):
        return "n/a"
    if row.kind == "finding":  # type: ignore[attr-defined]
        return "holds" if value else "does not hold"
    unit = row.unit  # type: ignore[attr-defined]
    if unit == "share":
        return f"{100 * value:.1f}%"
    return f"${value:,.0f}" if unit == "dollars" else f"{value:.1f}"


def markdown(frames: dict[int, pd.DataFrame]) -> str:
    """One row per target, one column per seed (value, and a mark when outside)."""
    seeds = list(frames)
    first = frames[seeds[0]]
    head = "| target | figure | report | " + " | ".join(f"seed {s}" for s in seeds) + " |"
    lines = [head, "| --- | --- | --- | " + " | ".join("---" for _ in seeds) + " |"]
    for i, row in enumerate(first.itertuples(index=False)):
        cells = []
        for s in seeds:
            r = frames[s].iloc[i]
            ok = r["within"]
            mark = "" if pd.isna(ok) else (" ✓" if bool(ok) else " ✗")
            cells.append(_shown(row, r["reproduced"]) + mark)
        lines.append(f"| {row.what} | {row.figure} | {row.report} | " + " | ".join(cells) + " |")
    for s in seeds:
        f = frames[s]
        numbers, findings = f[f.kind == "number"], f[f.kind == "finding"]
        lines.append("")
        lines.append(
            f"seed {s}: {int(numbers.within.fillna(False).sum())} of {len(numbers)} numbers "
            f"within tolerance, {int(findings.within.fillna(False).sum())} of {len(findings)} "
            "findings hold."
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["measure", "fit"])
    parser.add_argument("--firms", type=int, default=10_000)
    parser.add_argument("--seeds", default="1,2")
    parser.add_argument("--set", action="append", default=[], help="field=JSON value")
    parser.add_argument("--params", default="revolve_intercept,revolve_firm_sd")
    parser.add_argument("--budget", type=int, default=12)
    parser.add_argument("--out", type=Path, default=Path("calibration-fit"))
    parser.add_argument("--keep", type=Path, default=None, help="measure: keep panel/results")
    args = parser.parse_args(argv)
    changes = {k: json.loads(v) for k, v in (item.split("=", 1) for item in args.set)}
    seeds = [int(s) for s in args.seeds.split(",")]
    if args.mode == "measure":
        frames = {s: measure_bank(args.firms, s, changes, keep=args.keep) for s in seeds}
        print(markdown(frames))
        return
    from econscope.smallbiz.sim.calibrate import calibrate, pipeline_objective
    from econscope.smallbiz.sim.calibration import Calibration

    res = calibrate(
        [p.strip() for p in args.params.split(",")],
        base=Calibration().replace(**changes),
        objective=pipeline_objective(firms=args.firms, seeds=seeds),
        max_evaluations=args.budget,
        out_dir=args.out,
    )
    print(
        json.dumps(
            {
                "params": dict(res.params),
                "distance": res.distance,
                "start_distance": res.start_distance,
                "evaluations": res.evaluations,
            }
        )
    )


if __name__ == "__main__":
    main()
