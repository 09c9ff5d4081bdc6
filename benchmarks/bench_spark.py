"""Benchmark: ``smallbiz`` validate -> panel -> analyze on DuckDB and on Spark ``local[2]``.

One simulated bank (``SPARK_BENCH_FIRMS`` firms, default 10,000, 2010-01..2023-01) is run
by each engine in a fresh process, stage by stage, in the same ``make bench`` run. For each
stage: wall seconds, and where the time goes on Spark (the number of Spark jobs the stage
ran: every job is a query plan compiled and scheduled in the JVM). Peak memory: the Python
driver's high-water mark (both engines), and for Spark the JVM's (driver and, in local
mode, the executors' threads: one process), read from /proc at the end of the run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks._harness import measure

FIRMS = int(os.environ.get("SPARK_BENCH_FIRMS", "10000"))
MASTER = os.environ.get("SPARK_BENCH_MASTER", "local[2]")
STAGES = ("validate", "panel", "analyze")


def _jvm_peak_mib(session) -> float:
    """VmHWM of the JVM that pyspark launched (spark-submit execs java: the same pid)."""
    pid = session.sparkContext._gateway.proc.pid
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run_engine(data: str, out: str, backend: str) -> dict[str, object]:
    """Run the three stages on one engine; seconds (and Spark jobs) per stage."""
    import warnings

    from econscope.config import load_settings
    from econscope.engine import connect
    from econscope.smallbiz import analyze, build_panel, validate

    warnings.simplefilter("ignore")  # the logit's separation notes are not timed output
    overrides = [f"engine.backend={backend}"]
    if backend == "pyspark":
        overrides += [
            f'engine.spark.master="{MASTER}"',
            "engine.spark.conf.spark.driver.memory=4g",
            "engine.spark.conf.spark.ui.enabled=false",
        ]
    settings = load_settings(overrides=overrides)
    t0 = time.perf_counter()
    con = connect(settings.engine)
    result: dict[str, object] = {"start": time.perf_counter() - t0}
    tracker = con._session.sparkContext.statusTracker() if backend == "pyspark" else None
    jobs_before = 0
    steps = {
        "validate": lambda: validate(data, Path(out) / "validated", settings, con=con),
        "panel": lambda: build_panel(
            Path(out) / "validated", Path(out) / "panel", settings, con=con
        ),
        "analyze": lambda: analyze(Path(out) / "panel", Path(out) / "results", settings, con=con),
    }
    for name in STAGES:
        t0 = time.perf_counter()
        steps[name]()
        result[name] = time.perf_counter() - t0
        if tracker is not None:
            jobs = len(tracker.getJobIdsForGroup(None))
            result[f"{name}_jobs"] = jobs - jobs_before
            jobs_before = jobs
    if backend == "pyspark":
        result["jvm_peak_mib"] = _jvm_peak_mib(con._session)
    return result


def run() -> str:
    from econscope.smallbiz import simulate

    work = Path(tempfile.mkdtemp(prefix="bench_spark_"))
    try:
        data = work / "bank"
        simulate(data, firms=FIRMS, progress=False)
        m = {
            backend: measure(
                f"{backend}",
                "benchmarks.bench_spark",
                "run_engine",
                timeout=6 * 3600,
                data=str(data),
                out=str(work / backend),
                backend=backend,
            )
            for backend in ("duckdb", "pyspark")
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    d, s = m["duckdb"].value, m["pyspark"].value
    lines = [
        "## Spark vs DuckDB (`bench_spark`)",
        "",
        f"`smallbiz` validate, panel and analyze on {FIRMS:,} simulated firms (2010-01..2023-01),"
        f" each engine in a fresh process: DuckDB (all cores) and Spark `{MASTER}`"
        " (spark.driver.memory 4g). Spark jobs = query plans Spark compiled and ran for the"
        " stage: on one machine most of Spark's time is per-job planning and scheduling in"
        " the JVM, not reading rows.",
        "",
        "| stage | DuckDB s | Spark s | Spark / DuckDB | Spark jobs |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| engine start | {d['start']:,.1f} | {s['start']:,.1f} | | |",
    ]
    for name in STAGES:
        lines.append(
            f"| {name} | {d[name]:,.1f} | {s[name]:,.1f} | {s[name] / d[name]:,.1f}x "
            f"| {s[f'{name}_jobs']} |"
        )
    total_d = sum(d[n] for n in STAGES)
    total_s = sum(s[n] for n in STAGES)
    lines += [
        f"| **total** | {total_d:,.1f} | {total_s:,.1f} | {total_s / total_d:,.1f}x | |",
        "",
        "| peak memory | MiB |",
        "| --- | ---: |",
        f"| DuckDB (one process) | {m['duckdb'].peak_mib:,.0f} |",
        f"| Spark: Python driver | {m['pyspark'].peak_mib:,.0f} |",
        f"| Spark: JVM (driver + local executors) | {s['jvm_peak_mib']:,.0f} |",
    ]
    return "\n".join(lines) + "\n"
