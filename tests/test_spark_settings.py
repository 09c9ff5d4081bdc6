"""The Spark settings: master, app name and any spark.* key, from TOML and --set."""

from __future__ import annotations

import pytest

from econscope.config import EngineConfig, SparkConfig, load_settings
from econscope.engine import SPARK_DEFAULTS, _spark_master
from econscope.errors import ConfigError


def test_a_spark_conf_key_with_dots_is_one_setting() -> None:
    s = load_settings(
        overrides=[
            "engine.spark.conf.spark.executor.memory=4g",
            "engine.spark.conf.spark.sql.shuffle.partitions=8",
            "engine.spark.conf.spark.eventLog.enabled=true",
        ]
    )
    # TOML reads 8 as an integer and true as a boolean; Spark wants text ("true", not "True").
    assert s.engine.spark.conf == {
        "spark.executor.memory": "4g",
        "spark.sql.shuffle.partitions": "8",
        "spark.eventLog.enabled": "true",
    }


def test_master_and_app_name_are_settings(tmp_path) -> None:
    toml = tmp_path / "cluster.toml"
    toml.write_text(
        '[engine]\nbackend = "pyspark"\n[engine.spark]\nmaster = "spark://head:7077"\n'
        'app_name = "bank-run"\n[engine.spark.conf]\n"spark.executor.memory" = "8g"\n'
    )
    s = load_settings(toml)
    assert s.engine.spark == SparkConfig(
        master="spark://head:7077", app_name="bank-run", conf={"spark.executor.memory": "8g"}
    )


def test_a_conf_key_outside_spark_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"engine\.spark\.conf.*spark\."):
        load_settings(overrides=["engine.spark.conf={memory = '4g'}"])


def test_threads_narrow_the_default_local_master_only() -> None:
    assert _spark_master(EngineConfig(threads=3)) == "local[3]"
    assert _spark_master(EngineConfig()) == "local[*]"
    cluster = EngineConfig(threads=3, spark=SparkConfig(master="local-cluster[2,1,1024]"))
    assert _spark_master(cluster) == "local-cluster[2,1,1024]"


def test_econscope_defaults_keep_dates_in_utc_and_spark_progress_bars_off() -> None:
    assert SPARK_DEFAULTS["spark.sql.session.timeZone"] == "UTC"
    assert SPARK_DEFAULTS["spark.ui.showConsoleProgress"] == "false"


def test_a_spark_conf_key_may_also_be_quoted_as_in_toml() -> None:
    s = load_settings(overrides=['engine.spark.conf."spark.executor.memory"=4g'])
    assert s.engine.spark.conf == {"spark.executor.memory": "4g"}
