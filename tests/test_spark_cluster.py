"""Spark with real executors: local-cluster mode (a master, a worker, two executor JVMs).

In ``local[N]`` every task runs inside the driver's JVM, so rows are never serialised
between processes. ``local-cluster[2,1,1024]`` starts two executor processes from the pip
package's own Spark distribution, so every shuffle (the duplicate-key windows, the parent
joins) crosses a process boundary. The command runs as a user would start it, in its own
process (one SparkContext per JVM: the test session's local Spark cannot be reused), and
must accept and quarantine exactly the rows DuckDB does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from _parity import assert_same_table, raw_ids, read_any
from conftest import require_spark
from econscope import smallbiz

pytestmark = pytest.mark.spark

CLUSTER = "local-cluster[2,1,1024]"


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bank")
    # CSV with 2% of rows per fault class: Spark parses the text and the quarantine fills.
    smallbiz.simulate(
        out, firms=40, start="2021-01", end="2021-06", seed=3, faults=0.02, progress=False
    )
    return out


def test_validate_on_a_local_cluster_matches_duckdb(bank: Path, tmp_path: Path) -> None:
    require_spark()
    spark_out, duck_out = tmp_path / "spark", tmp_path / "duckdb"
    command = [
        sys.executable, "-m", "econscope", "smallbiz", "validate", str(bank),
        "--out", str(spark_out),
        "--set", "engine.backend=pyspark",
        "--set", f'engine.spark.master="{CLUSTER}"',
        "--set", "engine.spark.conf.spark.sql.shuffle.partitions=4",
        "--set", "engine.spark.conf.spark.ui.enabled=false",
    ]  # fmt: skip
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=1800, env=os.environ | {"NO_COLOR": "1"}
    )
    assert done.returncode == 0, done.stderr[-3000:]
    smallbiz.validate(bank, duck_out)
    spark_acc = pd.read_csv(spark_out / "accounting.csv")
    pd.testing.assert_frame_equal(spark_acc, pd.read_csv(duck_out / "accounting.csv"))
    assert spark_acc.rows_quarantined.sum() > 0
    for table in ("firms", "deposit_transactions", "card_statements"):
        assert_same_table(
            raw_ids(read_any(spark_out / f"{table}.parquet"), spark_out),
            raw_ids(read_any(duck_out / f"{table}.parquet"), duck_out),
        )
        assert_same_table(
            read_any(spark_out / "quarantine" / f"{table}.parquet"),
            read_any(duck_out / "quarantine" / f"{table}.parquet"),
        )
