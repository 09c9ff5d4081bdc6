"""The engine's memory budget and spill folder: defaults, overrides, and reaching DuckDB."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from econscope.config import EngineConfig
from econscope.engine import (
    connect,
    machine_memory,
    memory_budget,
    parse_bytes,
    resource_errors,
)
from econscope.errors import EngineGapError, StageError


def _setting(con, name: str) -> str:
    return con.con.execute(f"SELECT current_setting('{name}')").fetchone()[0]


def _duckdb_bytes(con) -> int:
    # DuckDB reports the limit in binary units, e.g. '1.8 GiB' (rounded to 0.1 of the unit).
    return parse_bytes(_setting(con, "memory_limit").replace(" ", ""))


def test_sizes_read_as_duckdb_writes_them() -> None:
    # GB = 10^9 bytes, GiB = 2^30; a bare number is bytes.
    assert parse_bytes("8GB") == 8 * 10**9
    assert parse_bytes("4GiB") == 4 * 2**30
    assert parse_bytes("1.5 gb") == 1_500_000_000
    assert parse_bytes("512") == 512
    with pytest.raises(EngineGapError, match="Hint:"):
        parse_bytes("lots")


def test_default_budget_is_a_share_of_the_machine() -> None:
    # engine.memory_fraction defaults to 0.2 of the machine's memory.
    assert memory_budget(EngineConfig()) == int(machine_memory() * 0.2)
    assert memory_budget(EngineConfig(memory_fraction=0.5)) == int(machine_memory() * 0.5)
    assert memory_budget(EngineConfig(memory_limit="3GB", memory_fraction=0.5)) == 3 * 10**9


def test_default_budget_reaches_duckdb() -> None:
    con = connect(EngineConfig(threads=1))
    # DuckDB rounds the value it shows to 0.1 GiB: within 0.06 GiB of the budget.
    assert abs(_duckdb_bytes(con) - memory_budget(EngineConfig())) <= 0.06 * 2**30


def test_memory_limit_and_spill_settings_reach_duckdb(tmp_path: Path) -> None:
    spill = tmp_path / "spill"
    config = EngineConfig(
        threads=1, memory_limit="1GiB", temp_directory=spill, max_temp_directory_size="5GiB"
    )
    con = connect(config)
    assert _setting(con, "memory_limit") == "1.0 GiB"
    assert _setting(con, "temp_directory") == str(spill)
    assert _setting(con, "max_temp_directory_size") == "5.0 GiB"


def test_a_stage_spill_folder_is_used_unless_one_is_set(tmp_path: Path) -> None:
    con = connect(EngineConfig(threads=1), spill_dir=tmp_path / "stage" / ".spill")
    assert _setting(con, "temp_directory") == str(tmp_path / "stage" / ".spill")
    chosen = connect(EngineConfig(threads=1, temp_directory=tmp_path / "big"), spill_dir=tmp_path)
    assert _setting(chosen, "temp_directory") == str(tmp_path / "big")


def test_out_of_memory_and_spill_is_a_one_line_stage_error(tmp_path: Path) -> None:
    # 20 MB of memory and 1 MB of spill space cannot sort 3 million random numbers.
    con = connect(
        EngineConfig(
            threads=1,
            memory_limit="20MB",
            temp_directory=tmp_path / "spill",
            max_temp_directory_size="1MB",
        )
    )
    query = "SELECT random() AS x FROM range(3000000) ORDER BY x"
    with pytest.raises(StageError) as info, resource_errors(con, "panel", input_bytes=2 * 10**9):
        con.con.execute(query).fetchall()
    message = str(info.value)
    assert "\n" not in message and "Hint:" in message
    # 3 x the 2 GB of input Parquet is the spill space it names.
    assert "about 6.0 GB of spill space" in message
    assert str(tmp_path / "spill") in message


def test_other_engine_errors_pass_through(tmp_path: Path) -> None:
    con = connect(EngineConfig(threads=1))
    with pytest.raises(duckdb.CatalogException), resource_errors(con, "panel"):
        con.con.execute("SELECT * FROM no_such_table")
