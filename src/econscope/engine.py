"""Connect to the engine that runs econscope's Ibis expressions, and move tables in and out.

DuckDB is the default: in memory, or a database file that spills to disk so data larger
than memory still run. PySpark is the other engine (install ``econscope[spark]``). Every
piece of data work in econscope is an Ibis expression, so the same code runs on both.

>>> con = connect()
>>> t = ibis.memtable({"x": [1, 2, 3]})
>>> int(con.execute(t.x.sum()))
6
"""

from __future__ import annotations

import os
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
from econscope.errors import DataError, EngineGapError

__all__ = [
    "atomic_path",
    "connect",
    "engine_errors",
    "find_table_file",
    "read_table",
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


def connect(config: EngineConfig | None = None) -> Backend:
    """Open the engine described by ``config`` (DuckDB in memory when omitted)."""
    config = config or EngineConfig()
    if config.backend == "duckdb":
        database = str(config.database) if config.database else ":memory:"
        con = ibis.duckdb.connect(database)
        raw = con.con
        if config.threads:
            raw.execute(f"SET threads = {int(config.threads)}")
        if config.memory_limit:
            raw.execute("SET memory_limit = ?", [config.memory_limit])
        if config.temp_directory:
            raw.execute("SET temp_directory = ?", [str(config.temp_directory)])
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
) -> ir.Table:
    """Register a Parquet or CSV file (or a folder of part files) as an Ibis table.

    ``all_varchar=True`` reads every CSV column as text, so that the contract can cast
    column by column and quarantine rows that do not parse instead of failing the read.
    """
    path = Path(path)
    if not path.exists():
        raise DataError("file not found", file=str(path), hint="check the data folder")
    fmt = table_format(path)
    source = str(path / f"*.{fmt}") if path.is_dir() else str(path)
    table_name = name or f"src_{path.stem}_{uuid.uuid4().hex[:8]}"
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
