"""End-to-end parity: ``smallbiz run`` on Spark gives DuckDB's results, table by table.

One simulated bank (60 firms, 2020-01..2021-12, 1% of rows per fault class injected so the
quarantine is exercised; written as CSV, which Spark parses itself) is run once on DuckDB
and once on Spark (the test process's local[2] session, see conftest.py). Issue 14 asks
for 300 firms; on the shared 2-core machine a Spark run costs mostly per-query overhead
(about 90 Spark jobs per validate whatever the size), and 60 firms over two years keep the
Spark run inside the suite's time budget while still publishing cells at k = 5 and fitting
every model. Expected values
are DuckDB's: DuckDB is the reference engine, tested against hand computations, the
pandas reference panel and statsmodels/pyfixest elsewhere in the suite.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _parity import assert_same_table, raw_ids, read_any
from econscope import smallbiz
from econscope.config import load_settings
from econscope.pipeline import RunResult, run

pytestmark = [
    pytest.mark.spark,
    # A simulated bank this small may separate an industry in the logit: econscope says so
    # in its own warning class (test_models_separation.py); every other warning is an error.
    pytest.mark.filterwarnings("ignore::econscope.errors.EconscopeWarning"),
]

FIRMS = 60
# k = 5 so that monthly cells of a 60-firm bank are published, not all suppressed.
SETTINGS = load_settings(overrides=["disclosure.k=5"])


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bank")
    smallbiz.simulate(
        out, firms=FIRMS, start="2020-01", end="2021-12", seed=14, faults=0.01, progress=False
    )
    return out


@pytest.fixture(scope="module")
def duck(bank: Path, tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    return run(bank, tmp_path_factory.mktemp("duckdb"), SETTINGS)


@pytest.fixture(scope="module")
def spark(bank: Path, tmp_path_factory: pytest.TempPathFactory, spark_con) -> RunResult:
    settings = SETTINGS.with_overrides(["engine.backend=pyspark"])
    return run(bank, tmp_path_factory.mktemp("spark"), settings, con=spark_con)


def test_spark_accepts_and_quarantines_the_same_rows(duck, spark) -> None:
    pd.testing.assert_frame_equal(spark.accounting, duck.accounting)
    assert duck.accounting.rows_quarantined.sum() > 0  # the faults reached the quarantine
    summary = "quarantine_summary.csv"
    assert_same_table(
        read_any(spark.out_dir / "validated" / summary),
        read_any(duck.out_dir / "validated" / summary),
    )


@pytest.mark.parametrize(
    "table",
    ["firms", "deposit_accounts", "deposit_transactions", "card_statements", "card_transactions"],
)
def test_spark_writes_the_same_validated_and_quarantined_rows(duck, spark, table: str) -> None:
    for sub in ("validated", "validated/quarantine"):
        d, s = duck.out_dir / sub / f"{table}.parquet", spark.out_dir / sub / f"{table}.parquet"
        if d.exists() or s.exists():
            assert_same_table(
                raw_ids(read_any(s), spark.out_dir / "validated"),
                raw_ids(read_any(d), duck.out_dir / "validated"),
            )


def test_spark_builds_the_same_panel_and_funnel(duck, spark) -> None:
    for name in ("panel.parquet", "firm_years.parquet", "funnel.csv"):
        assert_same_table(
            raw_ids(read_any(spark.out_dir / "panel" / name), spark.out_dir / "validated"),
            raw_ids(read_any(duck.out_dir / "panel" / name), duck.out_dir / "validated"),
        )
    assert spark.panel.rows == duck.panel.rows


def test_spark_working_outputs_are_part_folders_read_back(spark) -> None:
    # Spark writes each working table as a folder of part files; the next stage read it.
    assert (spark.out_dir / "validated" / "firms.parquet").is_dir()
    assert (spark.out_dir / "panel" / "panel.parquet").is_dir()


def test_spark_publishes_the_same_result_tables(duck, spark) -> None:
    assert sorted(spark.tables) == sorted(duck.tables)
    for table_id, frame in duck.tables.items():
        assert frame["suppressed"].notna().all()
        assert_same_table(spark.tables[table_id], frame)
    assert (~duck.tables["fig02"]["suppressed"]).any()  # something was published


def test_spark_fits_the_same_models_to_1e_8(duck, spark) -> None:
    key = ["model", "term"]
    d = duck.models.sort_values(key).reset_index(drop=True)
    s = spark.models.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(s[key], d[key])
    for c in ("estimate", "std_error"):
        np.testing.assert_allclose(s[c], d[c], rtol=1e-8, atol=1e-12, err_msg=c)
    assert_same_table(spark.models_fit, duck.models_fit, rtol=1e-8)


def test_the_report_renders_from_a_spark_run(spark) -> None:
    html = spark.report_path.read_text(encoding="utf-8")
    assert spark.report_path.name == "report.html"
    assert "fig02" in html or "revolving" in html.lower()
