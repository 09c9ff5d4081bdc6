"""Shared fixtures: an engine connection for every data test, and paths to shared data."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from hypothesis import settings

from econscope.config import EngineConfig
from econscope.engine import connect

# Property tests are judged on what they find, not on speed: a loaded 2-core CI machine must
# not turn a slow example into a failure.
settings.register_profile("econscope", deadline=None)
settings.load_profile("econscope")

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

ENGINES = ["duckdb"]
if importlib.util.find_spec("pyspark") is not None:  # Spark runs where it is installed
    ENGINES.append("pyspark")


@pytest.fixture(params=ENGINES)
def con(request: pytest.FixtureRequest):
    """An Ibis connection on each installed engine (DuckDB always)."""
    if request.param == "pyspark":
        request.applymarker(pytest.mark.spark)
    return connect(EngineConfig(backend=request.param, threads=1))


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
