"""Connect to the engine that runs econscope's Ibis expressions, and move tables in and out.

DuckDB is the default: in memory, or a database file that spills to disk so data larger
than memory still run. Its memory is bounded by default (:func:`memory_budget`: a share of
the machine's memory) and it spills into the stage's own folder (``spill_dir``); running
out of both is a one-line :class:`~econscope.errors.StageError` that says how much spill
space there was (:func:`resource_errors`), never the kernel's out-of-memory killer.

PySpark is the other engine (install ``econscope[spark]``). Every
piece of data work in econscope is an Ibis expression, so the same code runs on both.

>>> con = connect()
>>> t = ibis.memtable({"x": [1, 2, 3]})
>>> int(con.execute(t.x.sum()))
6
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq

from econscope.config import EngineConfig
from econscope.errors import DataError, EngineGapError, StageError

__all__ = [
    "atomic_path",
    "connect",
    "engine_errors",
    "find_table_file",
    "machine_memory",
    "memory_budget",
    "parse_bytes",
    "read_table",
    "resource_errors",
    "table_format",
    "write_parquet",
]

Backend = ibis.BaseBackend


def engine_errors() -> tuple[type[BaseException], ...]:
    """The exception types an engine raises for data it cannot read or compute.

    econscope turns these (and only these) into a :class:`~econscope.errors.DataError`
    naming the file; any other exception is a bug of econscope's and propagates as is.
    Spark's types are included only once pyspark has been imported (by a Spark session).
    """
    import duckdb
    import pyarrow as pa
    from ibis.common.exceptions import IbisError

    errors: list[type[BaseException]] = [duckdb.Error, pa.ArrowException, IbisError]
    if "pyspark" in sys.modules:
        from pyspark.errors import PySparkException

        errors.append(PySparkException)
    if "py4j" in sys.modules:
        from py4j.protocol import Py4JError

        errors.append(Py4JError)
    return tuple(errors)


TableFormat = Literal["parquet", "csv"]


_UNITS = {
    "": 1,
    "b": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
}


def parse_bytes(text: str) -> int:
    """Bytes in a size written as DuckDB writes it: ``'8GB'`` (10^9), ``'4GiB'`` (2^30).

    >>> parse_bytes("8GB"), parse_bytes("1.5 GiB"), parse_bytes("512")
    (8000000000, 1610612736, 512)
    """
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)\s*", text)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS:
        raise EngineGapError(
            f"cannot read the size {text!r}. Hint: write it like '8GB', '500MB' or '4GiB'"
        )
    return int(float(match.group(1)) * _UNITS[unit])


def machine_memory() -> int:
    """Bytes of memory this process may use: physical memory, or the cgroup limit if lower."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit_file).read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            total = min(total, int(text))
    return total


def memory_budget(config: EngineConfig | None = None) -> int:
    """The engine's memory budget in bytes: ``engine.memory_limit``, else
    ``engine.memory_fraction`` of :func:`machine_memory`."""
    config = config or EngineConfig()
    if config.memory_limit:
        return parse_bytes(config.memory_limit)
    return int(machine_memory() * config.memory_fraction)


def connect(config: EngineConfig | None = None, *, spill_dir: str | Path | None = None) -> Backend:
    """Open the engine described by ``config`` (DuckDB in memory when omitted).

    DuckDB gets the memory budget of :func:`memory_budget` and spills into
    ``engine.temp_directory``, else ``spill_dir`` (a stage passes a folder of its own),
    else DuckDB's default.
    """
    config = config or EngineConfig()
    if config.backend == "duckdb":
        database = str(config.database) if config.database else ":memory:"
        con = ibis.duckdb.connect(database)
        raw = con.con
        if config.threads:
            raw.execute(f"SET threads = {int(config.threads)}")
        raw.execute("SET memory_limit = ?", [f"{memory_budget(config)}B"])
        spill = config.temp_directory or spill_dir
        if spill is not None:
            raw.execute("SET temp_directory = ?", [str(spill)])
        if config.max_temp_directory_size:
            size = parse_bytes(config.max_temp_directory_size)
            raw.execute("SET max_temp_directory_size = ?", [f"{size}B"])
        # Insertion order is never relied on: turning it off lets DuckDB stream and spill.
        raw.execute("SET preserve_insertion_order = false")
        # econscope reports progress per stage itself; DuckDB's bar would garble that output.
        raw.execute("SET enable_progress_bar = false")
        return con
    if config.backend == "pyspark":
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise EngineGapError(
                "the pyspark engine needs pyspark and Java 17. "
                "Hint: pip install 'econscope[spark]', or use engine.backend=duckdb"
            ) from None
        builder = SparkSession.builder.appName("econscope")
        if config.threads:
            builder = builder.master(f"local[{int(config.threads)}]")
        session = builder.getOrCreate()
        return ibis.pyspark.connect(session)
    raise EngineGapError(f"unknown engine {config.backend!r}. Hint: use duckdb or pyspark")


def table_format(path: Path) -> TableFormat:
    """The format of a table file or folder of part files, from its name or contents."""
    if path.is_dir():
        suffixes = {p.suffix.lower() for p in path.iterdir() if p.is_file()}
        if ".parquet" in suffixes:
            return "parquet"
        if ".csv" in suffixes:
            return "csv"
        raise DataError(
            "folder holds no .parquet or .csv part files",
            file=str(path),
            hint="put the table's part files in the folder",
        )
    suffix = path.suffix.lower()
    if suffix in {".parquet", ".pq"}:
        return "parquet"
    if suffix in {".csv", ".txt"}:
        return "csv"
    raise DataError(f"unknown table format {suffix!r}", file=str(path), hint="use .parquet or .csv")


def find_table_file(folder: Path, name: str) -> Path | None:
    """The file or part-file folder holding table ``name`` in ``folder``, if any.

    Looks for ``name.parquet``, ``name.csv`` and a folder ``name/`` of part files.
    """
    for candidate in (folder / f"{name}.parquet", folder / f"{name}.csv", folder / name):
        if candidate.exists():
            return candidate
    return None


def read_table(
    con: Backend,
    path: str | Path,
    *,
    name: str | None = None,
    all_varchar: bool = False,
    hive: bool = False,
) -> ir.Table:
    """Register a Parquet or CSV file (or a folder of part files) as an Ibis table.

    ``all_varchar=True`` reads every CSV column as text, so that the contract can cast
    column by column and quarantine rows that do not parse instead of failing the read.
    ``hive=True`` reads a Parquet folder partitioned as ``<column>=<value>/*.parquet``,
    with the partition column (a filter on it reads only the matching folders).
    """
    path = Path(path)
    if not path.exists():
        raise DataError("file not found", file=str(path), hint="check the data folder")
    table_name = name or f"src_{path.stem}_{uuid.uuid4().hex[:8]}"
    if hive:
        if con.name == "duckdb":
            return con.read_parquet(
                str(path / "**" / "*.parquet"), table_name=table_name, hive_partitioning=True
            )
        return con.read_parquet(str(path), table_name=table_name)
    fmt = table_format(path)
    source = str(path / f"*.{fmt}") if path.is_dir() else str(path)
    try:
        if fmt == "parquet":
            return con.read_parquet(source, table_name=table_name)
        kwargs: dict[str, object] = {}
        if con.name == "duckdb":
            kwargs = {"all_varchar": True} if all_varchar else {}
        elif all_varchar:
            kwargs = {"inferSchema": False}
        return con.read_csv(source, table_name=table_name, **kwargs)
    except EngineGapError:
        raise
    except engine_errors() as exc:  # the engine's own parse errors vary by engine
        raise DataError(
            f"unreadable {fmt} file ({type(exc).__name__}: {str(exc).splitlines()[0]})",
            file=str(path),
            hint=f"check that it is a valid {fmt} file",
        ) from None


@contextmanager
def atomic_path(final: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``final``; move it into place only on success.

    An interrupted or failing write leaves no partial file behind.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()
    try:
        yield tmp
        if final.is_dir():
            shutil.rmtree(final)
        os.replace(tmp, final)
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp.exists():
            tmp.unlink()


def write_parquet(data: ir.Table | pa.Table, path: str | Path) -> Path:
    """Write an Ibis expression (run by its engine) or an Arrow table to Parquet, atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        if isinstance(data, pa.Table):
            pq.write_table(data, tmp)
        else:
            data.to_parquet(tmp)
    return path


def _gb(n: float) -> str:
    return f"{n / 1e9:.1f} GB"


@contextmanager
def resource_errors(con: Backend, stage: str, *, input_bytes: int | None = None) -> Iterator[None]:
    """Turn the engine running out of memory and spill space into a one-line StageError.

    The message gives the memory budget, the spill folder and its free space, and the
    spill space the stage may need (about three times its input's Parquet bytes, the
    decompressed size of the columns it reads).
    """
    try:
        yield
    except Exception as exc:
        text = str(exc)
        out_of_memory = type(exc).__name__ == "OutOfMemoryException"
        disk_full = "No space left on device" in text or "max_temp_directory_size" in text
        if not (out_of_memory or disk_full) or con.name != "duckdb":
            raise
        row = con.con.execute(
            "SELECT current_setting('memory_limit'), current_setting('temp_directory')"
        ).fetchone()
        limit, spill = (row or ("?", "?"))[0], (row or ("?", "?"))[1]
        spill_path = Path(spill or ".")
        probe = spill_path if spill_path.exists() else spill_path.parent
        free = shutil.disk_usage(probe if probe.exists() else Path.cwd()).free
        need = f"about {_gb(3 * input_bytes)} of spill space" if input_bytes else "spill space"
        raise StageError(
            f"{stage}: the engine ran out of memory ({limit}) and of spill space in {spill} "
            f"({_gb(free)} free); this input needs {need}. Hint: set engine.temp_directory "
            "to a folder with that much free disk, or raise scale.buckets or "
            "engine.memory_limit"
        ) from None
