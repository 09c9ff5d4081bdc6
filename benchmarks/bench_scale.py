"""Bank scale: `smallbiz run` at 10,000, 30,000 and 100,000 firms (1,000,000 on request).

``make bench-scale`` (``python -m benchmarks.bench_scale [--firms N ...]``) simulates each
bank once (kept in ``--dir`` and reused while its simulation.json matches), then runs every
stage in a fresh process with default settings (the default memory budget, spilling into
the run's folder) and measures wall seconds and peak resident memory; each stage is set
against its floor measured in the same run: one DuckDB scan that reads every input column
the stage needs and aggregates it trivially. The numbers go to
``benchmarks/scale_results.json`` (merged by bank size), a chart of time and memory
against N to ``docs/performance_scale.svg``, and the section of docs/performance.md.

``run()`` (what ``make bench`` calls) only renders the last measured results: measuring
takes an hour and 100 GB of disk at 1M firms, so it is asked for by name.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks._harness import machine, measure

ROOT = Path(__file__).resolve().parents[1]
MODULE = "benchmarks.bench_scale"  # what the fresh processes import (not __main__)
RESULTS = Path(__file__).with_name("scale_results.json")
CHART = ROOT / "docs" / "performance_scale.svg"
DEFAULT_DIR = Path("/tmp/econscope-bench-scale")
SEED = 3
STAGES = ("validate", "panel", "analyze", "report")
#: Goals of issue 12, checked in the section (not in a timed test).
GOAL_RSS_MIB = 6 * 1024
GOAL_VPA_SECONDS = 600
GOAL_FLOOR = {"validate": 3.0, "panel": 5.0}
GOAL_LINEAR = 1.3


# -- what each fresh process runs ------------------------------------------------------


def simulate_bank(out: str, firms: int) -> dict[str, int]:
    from econscope.smallbiz.sim.simulate import simulate

    result = simulate(out, firms=firms, seed=SEED, progress=False)
    return dict(result.rows)


def validate_stage(data: str, run: str) -> dict[str, int]:
    from econscope.smallbiz.validation import validate

    result = validate(data, Path(run) / "validated")
    return {"rows_in": int(result.accounting.rows_in.sum())}


def panel_stage(run: str) -> dict[str, int]:
    from econscope.smallbiz.panel import build_panel

    return build_panel(Path(run) / "validated", Path(run) / "panel").rows


def analyze_stage(run: str) -> dict[str, int]:
    from econscope.smallbiz.analysis import analyze

    result = analyze(Path(run) / "panel", Path(run) / "results")
    return {"tables": len(result.tables)}


def whole_run(data: str, run: str) -> dict[str, float]:
    """``smallbiz run`` with default settings: reuses the three stages above, runs report."""
    from econscope.pipeline import run as smallbiz_run

    result = smallbiz_run(data, run)
    return {s: float(result.seconds[s]) for s in STAGES} | {
        f"reused_{s}": float(result.reused[s]) for s in STAGES
    }


def floor_scan(tables: dict[str, list[str]]) -> int:
    """One scan of every listed column of every table, aggregated trivially: the largest
    hash of each column's values. (A plain ``max`` or ``count`` is answered from the
    Parquet files' statistics without reading a value: the floor measured that way until
    2026-12-03 was process start-up, not a scan.)"""
    from econscope.config import EngineConfig
    from econscope.engine import connect, read_table

    con = connect(EngineConfig())
    rows = 0
    for path, columns in tables.items():
        t = read_table(con, path)
        metrics = {"n": t.count(), **{f"m{i}": t[c].hash().max() for i, c in enumerate(columns)}}
        rows += int(con.to_pyarrow(t.aggregate(**metrics))["n"][0].as_py())
    return rows


# -- the measuring run -----------------------------------------------------------------


def _table_path(folder: Path, name: str) -> Path | None:
    from econscope.engine import find_table_file

    return find_table_file(folder, name)


def _floor_inputs(data: Path, run: Path) -> dict[str, dict[str, list[str]]]:
    import pyarrow.parquet as pq

    from econscope.smallbiz.method.panel import REQUIRED_COLUMNS
    from econscope.smallbiz.schema import TABLE_ORDER

    validate_in: dict[str, list[str]] = {}
    for spec in TABLE_ORDER:
        path = _table_path(data, spec.name)
        if path is not None:
            validate_in[str(path)] = list(pq.read_schema(path).names)
    panel_in: dict[str, list[str]] = {}
    for name, cols in REQUIRED_COLUMNS.items():
        path = _table_path(run / "validated", name)
        if path is not None:
            panel_in[str(path)] = list(cols)
    return {"validate": validate_in, "panel": panel_in}


def _bank(folder: Path, firms: int) -> dict[str, Any]:
    """Simulate the bank unless ``folder`` already holds this one; its measurement."""
    meta = folder / "simulation.json"
    if meta.is_file():
        doc = json.loads(meta.read_text())
        if doc.get("firms") == firms and doc.get("seed") == SEED:
            return {"rows": doc["rows"], "seconds": None, "peak_mib": None}
    shutil.rmtree(folder, ignore_errors=True)
    m = measure(f"simulate {firms}", MODULE, "simulate_bank", timeout=6 * 3600,
                out=str(folder), firms=firms)  # fmt: skip
    return {"rows": m.value, "seconds": m.seconds, "peak_mib": m.peak_mib}


def _load_during(before: tuple[float, float, float], seconds: float) -> float:
    """The machine's load average over a step that took ``seconds``: the 1-minute figure
    at its end for a short step, the 5- or 15-minute one for a longer step (the load
    counts every engineer's work on the shared machine, not only this benchmark's)."""
    after = os.getloadavg()
    if seconds < 120:
        return round(max(before[0], after[0]), 2)
    return round(after[1] if seconds < 600 else after[2], 2)


def _step(label: str, function: str, timeout: float, **kwargs: Any) -> dict[str, Any]:
    """One measured step in a fresh process: wall seconds, peak RSS, its CPU seconds (user +
    system of the child, every engine thread included: what the step costs whatever else
    the machine runs) and the load average beside it."""
    before, cpu0 = os.getloadavg(), _children_cpu()
    m = measure(label, MODULE, function, timeout=timeout, **kwargs)
    return {
        "seconds": m.seconds,
        "peak_mib": m.peak_mib,
        "value": m.value,
        "cpu_seconds": round(_children_cpu() - cpu0, 2),
        "load": _load_during(before, m.seconds),
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def measure_size(firms: int, root: Path, *, keep: bool = False) -> dict[str, Any]:
    """Simulate (or reuse) a bank of ``firms`` firms and measure every stage on it."""
    data, run = root / f"bank-{firms}", root / f"run-{firms}"
    bank = _bank(data, firms)
    shutil.rmtree(run, ignore_errors=True)
    out: dict[str, Any] = {
        "firms": firms,
        "input_rows": sum(v for k, v in bank["rows"].items() if k not in {"truth", "faults"}),
        "input_bytes": _du(data) - (data / "truth.parquet").stat().st_size,
        "simulate": {"seconds": bank["seconds"], "peak_mib": bank["peak_mib"]},
        "stages": {},
        "floors": {},
        "measured": time.strftime("%Y-%m-%d"),
    }
    timeout = 12 * 3600
    steps = [
        ("validate", "validate_stage", {"data": str(data), "run": str(run)}),
        ("panel", "panel_stage", {"run": str(run)}),
        ("analyze", "analyze_stage", {"run": str(run)}),
    ]
    for stage, fn, kwargs in steps:
        print(f"  {firms:,} firms: {stage} ...", flush=True)
        out["stages"][stage] = _step(f"{stage} {firms}", fn, timeout, **kwargs)
    print(f"  {firms:,} firms: report (the whole run, earlier stages reused) ...", flush=True)
    whole = _step(f"run {firms}", "whole_run", timeout, data=str(data), run=str(run))
    out["stages"]["report"] = {**whole, "seconds": whole["value"]["report"]}
    out["run"] = whole
    for stage, tables in _floor_inputs(data, run).items():
        print(f"  {firms:,} firms: floor of {stage} ...", flush=True)
        floor = _step(f"floor {stage} {firms}", "floor_scan", timeout, tables=tables)
        floor["rows"] = floor.pop("value")
        out["floors"][stage] = floor
    out["panel_buckets"] = out["stages"]["panel"]["value"].get("buckets", 1)
    if not keep:
        shutil.rmtree(run, ignore_errors=True)
    return out


def _load() -> dict[str, dict[str, Any]]:
    return json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}


# -- rendering -------------------------------------------------------------------------

#: What was found growing with N, and what was done (measured 2026-12-03, by hand).
FINDINGS = [
    "**What grew with N.** The 100,000-firm panel that the kernel killed at 20 GB ran with "
    "no memory limit set, so DuckDB took its own default, 80% of the machine's memory "
    "(19.2 GiB here): the panel's cached intermediates and hash tables grew into it, and on "
    "a machine shared with other work the kernel killed the process before DuckDB reached "
    "its limit. Nothing outside DuckDB's buffer manager grows with N: the panel and "
    "validate move no table into Python (only the funnel, the price-year check and row "
    "counts, all aggregates). Under a limit every operator of the panel spills: the "
    "10,000-firm panel in one bucket (40M input rows) peaked at 2.2 GB RSS under a 2 GB "
    "limit and at 0.8 GB under a 500 MB limit (the same firms per GB as 100,000 firms under "
    "5 GB), at the price of spilling (13 min against 3 min on the loaded machine).",
    "",
    "**What was done.** (1) A memory budget by default, `engine.memory_fraction` = 0.2 of "
    "the machine's memory (or `engine.memory_limit`), and spilling into a `.spill` folder of "
    "the stage (removed when it ends; `engine.temp_directory` to move it, "
    "`engine.max_temp_directory_size` to cap it); running out of memory and spill space is "
    "a one-line error naming the spill space the input needs. (2) Firm buckets: the panel "
    "partitions the validated tables once by `hash(firm_id) mod B` (an Ibis expression; "
    "DuckDB writes one folder per bucket and a bucket reads only its own) and builds each "
    "bucket as a resumable unit of the stage's manifest, writing one part file of "
    "`panel.parquet/` and `firm_years.parquet/`; B = input rows / (`scale.rows_per_gb` x "
    "budget GB), or `scale.buckets`. A bucket fits the budget, so it does not spill, and a "
    "kill resumes at the unfinished bucket. (3) The balance integral's running sums are "
    "exact (DECIMAL(38,10)): a float running sum's rounding depended on which other cards "
    "shared the window's partition, so a firm's ADB changed in the 12th digit with the "
    "firms around it; now a bucketed panel equals the unbucketed one bit for bit "
    "(tests/test_buckets.py).",
    "",
    "(4) Validate's duplicate-key rule (`flag_duplicates`, econscope.contract) no longer "
    "ranks every row: the keys that repeat are found by one grouped count (`group by key "
    "having count > 1`, the conflict test, min, max and count of every value column, in "
    "the same aggregate) and joined back, and only the rows of repeated keys are ranked by "
    "a window to choose the copy that is kept. The window over every row sorted the whole "
    "table with every raw and typed column. And the split counts its rows by reason first, "
    "so a side without rows (the quarantine of a clean table) is written empty without "
    "another pass: a table that is not staged (the transactions) re-ran its scan and its "
    "join with the accounts for each of three passes, now two. The outputs are unchanged "
    "(tests/test_contract_*.py, test_validate_simulated.py; tests/test_scale_duplicates.py "
    "checks the grouped rule against the rule computed row by row).",
    "",
    "**Where validate spends its time** (10,000 firms, CPU seconds of the process, every "
    "engine thread, which the load changes much less than wall seconds; 2026-12-03, main "
    "before this work against after): splitting deposit_transactions 19.8 -> 13.8; "
    "the duplicate keys, the reference join and the staging of deposit_balances "
    "32.4 -> 19.7 (the grouped count of 14M keys is most of what is left, about 8 CPU s: a "
    "hash table of every key, the same whether the key is the text and the date or one "
    "64-bit hash of them, measured); card_transactions 5.4 -> 6.2 (it has 11 "
    "quarantined rows, so still three passes; the difference is noise); the profile scans "
    "(row counts, cast checks) about 8 in all, unchanged. Validate in all: 115.6 -> "
    "94.0 CPU s (99.6 in the benchmark's own run). What is now most of the rest is "
    "outside the rules: the "
    "reconciliation of balances against transactions (`econscope.smallbiz.reconcile`, a "
    "running sum over 33M events and three exact quantiles) 30.6 CPU s, and the surrogate "
    "keys (`econscope.smallbiz.pseudonyms`, which rewrites every accepted table with a "
    "SHA-256 per row) 13.2 CPU s: together about 45% of validate, and the next things to "
    "make cheaper (join the 12k-row id map instead of hashing 40M rows; write the "
    "surrogates in the split instead of rewriting the files). The floor reads the same "
    "columns for 4.1 CPU s. That floor is new: the floor used to take the plain `max` of "
    "every column, which DuckDB answers from the Parquet files' statistics without reading "
    "a value, so it measured process start-up (16 s then, 44 s today on the loaded "
    "machine, at 0.4 CPU s); it now takes the largest hash of every column's values, which "
    "reads them all. The 10,000-firm floors in the table were measured that way right after "
    "the run, at the same load.",
    "",
    "**The machine was shared.** The runs of 2026-12-03 shared the 2 cores with up to seven "
    "other engineers' work: the load average was 18-27 against 2 cores (the `load` column), "
    "and the benchmark ran under `nice`, so it got about a tenth of a core at times: wall "
    "times are ten or more times what an idle machine gives (the 10,000-firm panel took "
    "14 s idle on 2026-11-22, see the Panel section; 47 CPU s today) and the goals on "
    "wall seconds cannot be judged from them. CPU seconds, peak memory and the ratios to "
    "the floor are much less affected. The 10,000-firm row of 2026-12-03 had its CPU "
    "seconds sampled from /proc every 3 s by an observer (the benchmark now records them "
    "itself).",
]

#: The runs of 2026-12-03 that did not finish before the session's deadline (by hand).
INTERRUPTED = [
    "**100,000 firms on 2026-12-03: started, not finished before the session's end.** "
    "`make bench-scale` at 100,000 firms (the bank of 400M input rows simulated "
    "earlier that day, reused) was started at 16:25 UTC with default settings under `nice` beside "
    "the 10,000-firm run, on a machine at load 15-27. Validate wrote the firms and accounts "
    "in under a minute and the 190.8M accepted deposit transactions (1.4 GB) by 16:39 "
    "(14 min); the deposit balances (139.8M rows: the grouped count of their keys, which "
    "spilled 4.3 GB into the stage's `.spill` folder under the 4.8 GB budget) were still "
    "running at 17:21 UTC, 405 CPU s into the stage (56 min of wall time), when it was "
    "stopped to leave the cores to the test suite; "
    "peak RSS 5,219 MiB (goal 6,144). So the 100,000-firm goals (the whole run "
    "under 6 GB and 10 minutes idle, linear time, 3x and 5x the floors) are not shown: on a "
    "quiet machine `make bench-scale SCALE_FIRMS=100000` shows them. Scaled linearly from "
    "10,000 firms, validate + panel + analyze would cost about 1,600 CPU s, at least 13 "
    "minutes on 2 idle cores: above the 10-minute goal, with validate's reconciliation and "
    "surrogate keys (above) the first things to cut. 30,000 firms was not run again; the "
    "earlier run that day was cut off after validate (about 50 minutes).",
]

MILLION = [
    "**1,000,000 firms: not attempted.** It needs about 24 GB of simulated Parquet, as much "
    "again for the validated tables, about half that for the panel's bucket partitions (only "
    "the columns the panel reads) and spill space beside them: about 70 GB, which is what "
    "/work had free (72 GB), shared with seven other engineers. Scaled linearly from the "
    "10,000-firm CPU seconds of 2026-12-03, validate would cost about 10,000 CPU s and the "
    "panel about 4,700 (at least 2 hours on 2 idle cores), with validate's grouped count of "
    "the balances' keys (1.4 billion rows) spilling tens of GB. The simulator already"
    " writes in chunks of 2,000 firms (one row group per chunk; time and memory flat per "
    "chunk), and the panel picks B from the input (40 buckets for 4 billion rows under the "
    "default budget here). To run it: `make bench-scale SCALE_FIRMS=1000000 "
    "SCALE_DIR=/big/disk` with 100 GB free.",
]


def _chart(results: list[dict[str, Any]]) -> None:
    import altair as alt
    import pandas as pd

    rows = []
    for r in results:
        for stage in ("validate", "panel", "analyze"):
            s = r["stages"][stage]
            rows.append({"firms": r["firms"], "stage": stage, "measure": "wall seconds",
                         "value": s["seconds"]})  # fmt: skip
            rows.append({"firms": r["firms"], "stage": stage, "measure": "peak RSS (MiB)",
                         "value": s["peak_mib"]})  # fmt: skip
    df = pd.DataFrame(rows)
    base = (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(
            x=alt.X("firms:Q", scale=alt.Scale(type="log"), title="firms (log)"),
            y=alt.Y("value:Q", scale=alt.Scale(type="log"), title=None),
            color="stage:N",
        )
    )
    chart = (
        base.properties(width=260, height=200)
        .facet(column=alt.Column("measure:N", title=None))
        .resolve_scale(y="independent")
        .properties(title="smallbiz stages against bank size (shared 2-core machine)")
    )
    CHART.parent.mkdir(exist_ok=True)
    chart.save(str(CHART))


def _ratio(stage: dict[str, Any], floor: dict[str, Any], key: str) -> float | None:
    if stage.get(key) is None or not floor.get(key):
        return None
    return float(stage[key]) / float(floor[key])


def _f(x: float | None, fmt: str = ",.0f") -> str:
    return "-" if x is None else format(x, fmt)


def run() -> str:
    """The section of docs/performance.md, from the last measured results."""
    results = sorted(_load().values(), key=lambda r: r["firms"])
    lines = [
        "## Bank scale: `smallbiz run` from 10,000 to 100,000 firms",
        "",
        "`make bench-scale` simulates each bank (`simulate --seed 3`, 2010-01..2023-01) and "
        "runs every stage in a fresh process with default settings: the default memory budget "
        "(`engine.memory_fraction` = 0.2 of the machine's memory), spilling into the run's "
        "folder, and the panel in firm buckets when the input exceeds what the budget holds "
        "(`scale.rows_per_gb`). The floor of a stage is one DuckDB scan of every input column "
        "it needs, aggregated trivially (the largest hash of each column, so every value is "
        "read), measured in the same run.",
        "",
    ]
    lines += [*FINDINGS, ""]
    if not results:
        return "\n".join([*lines, "_Not measured yet: run `make bench-scale`._"])
    lines += [
        "Wall seconds depend on what else the shared machine runs (`load` is its load "
        "average beside the step, against 2 cores); CPU seconds (the step's process, every "
        "engine thread, user + system) and the ratios to the floor measured in the same run "
        "do much less. A `-` is a figure that run did not record.",
        "",
        "| firms | input rows | stage | wall s | CPU s | load | peak RSS MiB | rows/s "
        "| floor wall s | floor CPU s | x floor (wall) | x floor (CPU) |",
        "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        sim = r["simulate"]
        lines.append(
            f"| {r['firms']:,} | {r['input_rows']:,} | simulate | {_f(sim['seconds'], ',.1f')} "
            f"| | | {_f(sim['peak_mib'])} | | | | | |"
        )
        for stage in STAGES:
            s = r["stages"][stage]
            floor = r["floors"].get(stage, {})
            rate = r["input_rows"] / s["seconds"] if stage in {"validate", "panel"} else None
            lines.append(
                f"| {r['firms']:,} | | {stage} | {s['seconds']:,.1f} "
                f"| {_f(s.get('cpu_seconds'), ',.1f')} | {_f(s.get('load'), '.1f')} "
                f"| {s['peak_mib']:,.0f} | {_f(rate)} | {_f(floor.get('seconds'), ',.1f')} "
                f"| {_f(floor.get('cpu_seconds'), ',.1f')} "
                f"| {_f(_ratio(s, floor, 'seconds'), '.1f')} "
                f"| {_f(_ratio(s, floor, 'cpu_seconds'), '.1f')} |"
            )
    lines += ["", "![time and memory against N](performance_scale.svg)", "", "**Goals.**", ""]
    for r in results:
        vpa = sum(r["stages"][s]["seconds"] for s in ("validate", "panel", "analyze"))
        peak = max(r["stages"][s]["peak_mib"] for s in STAGES)
        lines.append(
            f"- {r['firms']:,} firms ({r.get('panel_buckets', 1)} panel bucket(s)): "
            f"validate + panel + analyze {vpa:,.0f} s (goal at 100k: <= {GOAL_VPA_SECONDS} s "
            f"idle), peak RSS {peak:,.0f} MiB (goal <= {GOAL_RSS_MIB:,}); "
            + "; ".join(
                f"{s} {_f(_ratio(r['stages'][s], r['floors'][s], 'seconds'), '.1f')}x its "
                f"floor by wall, {_f(_ratio(r['stages'][s], r['floors'][s], 'cpu_seconds'), '.1f')}"
                f"x by CPU (goal <= {g:.0f}x)"
                for s, g in GOAL_FLOOR.items()
                if s in r["floors"]
            )
        )
    small, big = results[0], results[-1]
    if big["firms"] > small["firms"]:
        per = {
            s: (big["stages"][s]["seconds"] / big["firms"])
            / (small["stages"][s]["seconds"] / small["firms"])
            for s in ("validate", "panel", "analyze")
        }
        lines.append(
            f"- time per firm at {big['firms']:,} against {small['firms']:,}: "
            + ", ".join(f"{s} {v:.2f}x" for s, v in per.items())
            + f" (goal <= {GOAL_LINEAR}x)"
        )
    lines += ["", *INTERRUPTED, "", *MILLION]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="where banks are kept")
    parser.add_argument("--keep-runs", action="store_true", help="keep the run folders")
    args = parser.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    for firms in args.firms:
        print(f"bank of {firms:,} firms (free disk {shutil.disk_usage(args.dir).free / 1e9:.0f} "
              "GB)", flush=True)  # fmt: skip
        measured = measure_size(firms, args.dir, keep=args.keep_runs) | {"machine": machine()}
        results = _load() | {str(firms): measured}  # another size may have finished meanwhile
        RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    _chart(sorted(_load().values(), key=lambda r: r["firms"]))
    from benchmarks.run import main as write_docs

    return write_docs(["scale"])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
