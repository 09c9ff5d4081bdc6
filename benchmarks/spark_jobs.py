"""Where Spark's time goes on a small bank: seconds and Spark jobs per stage, both engines.

``python -m benchmarks.spark_jobs [FIRMS]`` (default 5 firms, 2021-01..2021-03): simulates
the bank, then runs validate and panel twice on each engine in this process (Spark: the
test suite's ``local[2]`` session) and prints seconds per run and, for Spark, the number of
Spark jobs each stage ran. The figures in docs/performance.md ("Spark vs DuckDB") come
from it. Not part of ``make bench``: it measures per-query overhead, not throughput.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path


def main(firms: int = 5) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from conftest import SPARK_TEST_CONFIG
    from econscope import smallbiz
    from econscope.config import EngineConfig
    from econscope.engine import connect

    warnings.simplefilter("ignore")
    work = Path(tempfile.mkdtemp(prefix="spark_jobs_"))
    try:
        bank = work / "bank"
        smallbiz.simulate(bank, firms=firms, start="2021-01", end="2021-03", seed=3, progress=False)
        for config in (EngineConfig(threads=2), SPARK_TEST_CONFIG):
            t0 = time.perf_counter()
            con = connect(config)
            print(f"{config.backend}: engine start {time.perf_counter() - t0:.1f} s", flush=True)
            tracker = (
                con._session.sparkContext.statusTracker() if config.backend != "duckdb" else None
            )
            for i in range(2):
                out = work / f"{config.backend}{i}"
                for stage in ("validate", "panel"):
                    before = len(tracker.getJobIdsForGroup(None)) if tracker else 0
                    t0 = time.perf_counter()
                    if stage == "validate":
                        smallbiz.validate(bank, out / "v", con=con)
                    else:
                        smallbiz.build_panel(out / "v", out / "p", con=con)
                    jobs = len(tracker.getJobIdsForGroup(None)) - before if tracker else ""
                    print(
                        f"{config.backend} run {i + 1} {stage}: "
                        f"{time.perf_counter() - t0:.1f} s {jobs} jobs",
                        flush=True,
                    )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
