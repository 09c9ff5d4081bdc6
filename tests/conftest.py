"""Shared fixtures: an engine connection for every data test, and paths to shared data.

Every test that takes ``con`` runs on DuckDB and on Spark; the Spark case carries the
``spark`` marker. ``make test`` deselects it (``-m "not spark"``) and ``make test-spark``
runs it, after installing the ``spark`` extra and Java 17. Where either is missing a
selected Spark case is skipped with the reason, except under ``CI=true``, where a missing
engine is an error: a CI job that selects Spark must run it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

from econscope.config import EngineConfig, SparkConfig
from econscope.engine import connect

# Property tests are judged on what they find, not on speed: a loaded 2-core CI machine must
# not turn a slow example into a failure.
settings.register_profile("econscope", deadline=None)
settings.load_profile("econscope")

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

#: The Spark case carries the ``spark`` marker at collection, so ``-m "not spark"`` (make
#: test) and ``-m spark`` (make test-spark) select by engine.
ENGINES = ["duckdb", pytest.param("pyspark", marks=pytest.mark.spark)]

#: One small local Spark per test process: two threads, two shuffle partitions (the test
#: tables are tiny; Spark's default of 200 would make every shuffle 200 empty tasks), no UI.
SPARK_TEST_CONFIG = EngineConfig(
    backend="pyspark",
    spark=SparkConfig(
        master="local[2]",
        app_name="econscope-tests",
        conf={
            "spark.sql.shuffle.partitions": "2",
            "spark.default.parallelism": "2",
            "spark.ui.enabled": "false",
            "spark.driver.memory": "1g",
            # Tiny tables: adaptive execution only adds a job per shuffle (118 -> 86 Spark
            # jobs for a 5-firm validate), and whole-stage code generation compiles Java
            # for every query, which costs more than running it on a few rows.
            "spark.sql.adaptive.enabled": "false",
            "spark.sql.codegen.wholeStage": "false",
        },
    ),
)


def spark_missing() -> str | None:
    """Why Spark cannot run here (no pyspark, no Java), or None when it can."""
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (make test installs the spark extra)"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "Java is not installed (Spark needs Java 17; make test installs it as root)"
    return None


def require_spark() -> None:
    """Skip with the reason when Spark cannot run; under CI=true, fail instead."""
    reason = spark_missing()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI must run the Spark tests, but {reason}", pytrace=False)
    pytest.skip(f"Spark engine: {reason}")


@pytest.fixture(scope="session")
def spark_con():
    """The test process's one Spark connection (a JVM per process: started once, reused)."""
    require_spark()
    return connect(SPARK_TEST_CONFIG)


@pytest.fixture(params=ENGINES)
def con(request: pytest.FixtureRequest):
    """An Ibis connection on each engine: DuckDB, and Spark (skipped only outside CI)."""
    if request.param == "pyspark":
        return request.getfixturevalue("spark_con")
    return connect(EngineConfig(threads=1))


@pytest.fixture
def duckdb_con():
    """A DuckDB connection, for tests of DuckDB-only behaviour (file databases, spilling)."""
    return connect(EngineConfig(threads=1))


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or a clean skip saying why when a fresh clone has none."""
    if not SHARED_DATA.is_dir():
        pytest.skip(
            f"real-data test: {SHARED_DATA} is absent (it ships beside the repo, not in it)"
        )
    return SHARED_DATA
