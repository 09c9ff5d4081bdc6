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

import atexit
import csv
import os
import re
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq

from econscope.config import EngineConfig
from econscope.errors import DataError, EngineGapError, StageError

if TYPE_CHECKING:  # pyspark is optional and heavy: imported only when Spark is used
    from pyspark.sql import SparkSession

__all__ = [
    "SPARK_DEFAULTS",
    "TableParts",
    "atomic_path",
    "check_parts",
    "connect",
    "engine_errors",
    "explain_engine_error",
    "find_table_file",
    "machine_memory",
    "memory_budget",
    "parse_bytes",
    "read_table",
    "resource_errors",
    "spark_session",
    "table_format",
    "table_parts",
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


def connect(
    config: EngineConfig | None = None,
    *,
    spill_dir: str | Path | None = None,
    session: SparkSession | None = None,
) -> Backend:
    """Open the engine described by ``config`` (DuckDB in memory when omitted).

    DuckDB gets the memory budget of :func:`memory_budget` and spills into
    ``engine.temp_directory``, else ``spill_dir`` (a stage passes a folder of its own),
    else DuckDB's default. ``session`` is an existing SparkSession to run on (a managed
    cluster's, a notebook's); it implies the pyspark engine, and ``config.spark`` is then
    not used to build one.
    """
    config = config or EngineConfig()
    if session is not None:
        return _spark_backend(session)
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
        return _spark_backend(spark_session(config))
    raise EngineGapError(f"unknown engine {config.backend!r}. Hint: use duckdb or pyspark")


#: Spark settings econscope sets unless ``engine.spark.conf`` says otherwise: dates are
#: calendar dates (UTC, no shift on the way to Arrow), Arrow carries results to the driver,
#: and Spark's console progress bar stays off (econscope reports progress per stage).
SPARK_DEFAULTS: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.ui.showConsoleProgress": "false",
}

#: Spark's JVM logs errors only: its INFO/WARN lines would drown econscope's progress.
_LOG4J = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""


def _quiet_log4j() -> str:
    """The URI of a log4j2 file holding :data:`_LOG4J` (written once per machine)."""
    path = Path(tempfile.gettempdir()) / "econscope-spark-log4j2.properties"
    if not path.exists() or path.read_text() != _LOG4J:
        with atomic_path(path) as tmp:
            tmp.write_text(_LOG4J)
    return path.as_uri()


def _spark_master(config: EngineConfig) -> str:
    master = config.spark.master
    if config.threads and master == "local[*]":
        return f"local[{int(config.threads)}]"
    return master


def _spark_backend(session: SparkSession) -> Backend:
    from econscope._spark import SparkBackend

    return SparkBackend().connect(session)


def spark_session(config: EngineConfig | None = None) -> SparkSession:
    """The SparkSession for ``config.spark`` (master, app name, ``spark.*`` settings).

    An active session in this process is reused (Spark allows one per JVM); settings that
    Spark only reads at start-up then keep the values that session started with.
    """
    config = config or EngineConfig()
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise EngineGapError(
            "the pyspark engine needs pyspark and Java 17. "
            "Hint: pip install 'econscope[spark]' (docs/spark.md), or use engine.backend=duckdb"
        ) from None
    conf = SPARK_DEFAULTS | dict(config.spark.conf)
    java_opts = conf.get("spark.driver.extraJavaOptions", "")
    if "log4j" not in java_opts:  # a user's own log4j setup wins
        conf["spark.driver.extraJavaOptions"] = (
            f"{java_opts} -Dlog4j.configurationFile={_quiet_log4j()}".strip()
        )
    builder = SparkSession.builder.master(_spark_master(config)).appName(config.spark.app_name)
    for key, value in sorted(conf.items()):
        builder = builder.config(key, value)
    started_here = SparkSession.getActiveSession() is None
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # Java missing, a bad master URL, a cluster that is not there
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise EngineGapError(
            f"Spark did not start ({type(exc).__name__}: {first}). Hint: Spark needs Java 17 "
            "(java -version) and a reachable engine.spark.master; see docs/spark.md"
        ) from None
    if started_here:
        # Stop what econscope started before Python exits: otherwise a cluster's executors
        # die with the driver and fill the console with relaunch errors.
        atexit.register(session.stop)
    return session


_SUFFIXES: dict[str, TableFormat] = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".txt": "csv",
}


def _ignored(part: Path, root: Path) -> bool:
    """Hidden files and Spark/Hive markers (``.crc``, ``_SUCCESS``) are not table parts."""
    rel = part.relative_to(root).parts
    return any(p.startswith((".", "_")) for p in rel)


@dataclass(frozen=True)
class TableParts:
    """The files of one table: its format, every part (sorted), and Hive partition keys."""

    format: TableFormat
    parts: tuple[Path, ...]
    partition_keys: tuple[str, ...] = ()


def table_parts(path: Path) -> TableParts:
    """Every part file of the table at ``path`` (a file, or a folder read recursively).

    Parquet and CSV parts are recognised in any case of extension (``.CSV``); Hive-style
    partition folders (``year=2010/``) give partition columns. Refused with a one-line
    :class:`DataError`: a folder with no part, a file that is neither format, a folder
    mixing Parquet and CSV parts, and partition folders that do not all use the same keys.
    """
    if not path.is_dir():
        fmt = _SUFFIXES.get(path.suffix.lower())
        if fmt is None:
            raise DataError(
                f"unknown table format {path.suffix!r}",
                file=str(path),
                hint="use .parquet or .csv",
            )
        return TableParts(fmt, (path,))
    files = sorted(p for p in path.rglob("*") if p.is_file() and not _ignored(p, path))
    unknown = [p for p in files if p.suffix.lower() not in _SUFFIXES]
    if unknown:
        raise DataError(
            f"folder holds {len(unknown)} file(s) that are neither Parquet nor CSV "
            f"(e.g. {unknown[0].relative_to(path)})",
            file=str(path),
            hint="a table folder holds only its part files; move the others out",
        )
    formats = sorted({_SUFFIXES[p.suffix.lower()] for p in files})
    if not formats:
        raise DataError(
            "folder holds no .parquet or .csv part files",
            file=str(path),
            hint="put the table's part files in the folder",
        )
    if len(formats) > 1:
        n = {f: sum(_SUFFIXES[p.suffix.lower()] == f for p in files) for f in formats}
        raise DataError(
            f"folder mixes {n['parquet']} Parquet and {n['csv']} CSV part files; reading one "
            "format would silently drop the other's rows",
            file=str(path),
            hint="write every part of a table in one format",
        )
    layouts = {tuple(d.split("=", 1)[0] for d in p.relative_to(path).parts[:-1]) for p in files}
    nested = [keys for keys in layouts if keys]
    if nested and (
        len(layouts) > 1 or any("=" not in d for p in files for d in p.relative_to(path).parts[:-1])
    ):
        raise DataError(
            "part files sit in folders that are not all Hive partitions with the same keys "
            f"(found {sorted(layouts)})",
            file=str(path),
            hint="use one layout, e.g. year=2010/part-0.parquet for every part",
        )
    keys = next(iter(layouts)) if nested else ()
    return TableParts(formats[0], tuple(files), keys)


def table_format(path: Path) -> TableFormat:
    """The format of a table file or folder of part files, from its name or contents."""
    return table_parts(path).format


def find_table_file(folder: Path, name: str) -> Path | None:
    """The file or part-file folder holding table ``name`` in ``folder``, if any.

    Looks for ``name.parquet``, ``name.pq``, ``name.csv`` (any case of extension), each a
    file or a folder of part files (as Spark writes them), and a folder ``name/`` of part
    files. Two of them for one table are an error: which one is meant cannot be guessed,
    and reading one would silently ignore the other.
    """
    found = sorted(
        p
        for p in folder.iterdir()
        if (p.is_dir() and p.name == name) or (p.stem == name and p.suffix.lower() in _SUFFIXES)
    )
    if len(found) > 1:
        raise DataError(
            f"table {name!r} has {len(found)} sources ({', '.join(p.name for p in found)})",
            file=str(folder),
            hint=f"keep one source for {name} and move the other(s) out of the folder",
        )
    return found[0] if found else None


def _csv_header(part: Path) -> list[str]:
    with part.open("rb") as fh:
        first = fh.readline()
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(
            "is not UTF-8 text (its header line holds other bytes, e.g. Latin-1)",
            file=str(part),
            hint="re-save the file as UTF-8",
        ) from None
    if not text.strip():
        raise DataError(
            "is empty: no header line with column names",
            file=str(part),
            hint="write the header (the column names) on the first line, or remove the file",
        )
    return next(csv.reader([text]))


def _columns(fmt: TableFormat, part: Path) -> list[str]:
    if fmt == "csv":
        return [c.strip() for c in _csv_header(part)]
    try:
        return list(pq.read_schema(part).names)
    except (*engine_errors(), OSError) as exc:  # not a Parquet file, a truncated footer
        raise DataError(
            f"unreadable parquet file ({type(exc).__name__}: {str(exc).splitlines()[0]})",
            file=str(part),
            hint="check that it is a complete Parquet file",
        ) from None


def check_parts(table: TableParts) -> tuple[str, ...]:
    """The columns every part shares; refuse duplicated names or parts that differ.

    One :class:`DataError` per fault: a column named twice in one part (the engine would
    silently rename the second), or a part lacking a column another part has.
    """
    columns: tuple[str, ...] | None = None
    first: Path | None = None
    for part in table.parts:
        names = _columns(table.format, part)
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise DataError(
                f"column(s) {dupes} appear more than once in the header",
                file=str(part),
                hint="give every column its own name",
            )
        if columns is None:
            columns, first = tuple(names), part
        elif set(names) != set(columns):
            lacks = sorted(set(columns) - set(names))
            extra = sorted(set(names) - set(columns))
            raise DataError(
                f"part lacks column(s) {lacks} that {first.name} has"
                if lacks
                else f"part has column(s) {extra} that {first.name} lacks",
                file=str(part),
                hint="every part of a table needs the same columns",
            )
    return columns or ()


def _short_row(part: Path) -> str | None:
    """The first CSV row whose field count differs from the header's (error path only)."""
    with part.open(newline="", encoding="utf-8", errors="replace") as fh:
        rows = csv.reader(fh)
        header = next(rows, [])
        for line, row in enumerate(rows, start=2):
            if row and len(row) != len(header):
                return f"line {line} has {len(row)} field(s), the header has {len(header)}"
    return None


def explain_engine_error(exc: BaseException, path: Path, fmt: TableFormat) -> DataError:
    """One line for an engine's read error: encodings and ragged rows get their own words."""
    text = str(exc)
    first = text.splitlines()[0] if text else type(exc).__name__
    if "unicode" in text.lower() or "not utf-8" in text.lower():
        return DataError(
            "is not UTF-8 text (e.g. Latin-1 or Windows-1252)",
            file=str(path),
            hint="re-save the file as UTF-8",
        )
    if fmt == "csv":
        parts = table_parts(path).parts if path.exists() else ()
        for part in parts:
            short = _short_row(part)
            if short:
                return DataError(
                    short,
                    file=str(part),
                    hint="every row needs one value per header column (empty values are fine)",
                )
    return DataError(
        f"unreadable {fmt} file ({type(exc).__name__}: {first})",
        file=str(path),
        hint=f"check that it is a valid {fmt} file",
    )


def read_table(
    con: Backend,
    path: str | Path,
    *,
    name: str | None = None,
    all_varchar: bool = False,
    hive: bool = False,
) -> ir.Table:
    """Register a Parquet or CSV file (or a folder of part files) as an Ibis table.

    A folder is read whole: every part (any case of extension, Hive partition folders
    with their partition columns) or refused (:func:`table_parts`, :func:`check_parts`).
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
    table = table_parts(path)
    check_parts(table)
    fmt = table.format
    table_name = name or f"src_{path.stem}_{uuid.uuid4().hex[:8]}"
    kwargs: dict[str, object] = {}
    if con.name == "duckdb":
        source: object = [str(p) for p in table.parts]
        if table.partition_keys:
            kwargs["hive_partitioning"] = True
        if len(table.parts) > 1:
            kwargs["union_by_name"] = True
        if fmt == "csv":
            kwargs |= {"delim": ",", "header": True, "quote": '"', "escape": '"'}
            if all_varchar:
                kwargs["all_varchar"] = True
    else:
        source = str(path / f"*.{fmt}") if path.is_dir() else str(path)
        if fmt == "csv":
            # RFC 4180 quotes ("" inside a quoted field), as DuckDB reads them above
            kwargs = {"escape": '"'} | ({"inferSchema": False} if all_varchar else {})
    try:
        if fmt == "parquet":
            return con.read_parquet(source, table_name=table_name, **kwargs)
        return con.read_csv(source, table_name=table_name, **kwargs)
    except EngineGapError:
        raise
    except engine_errors() as exc:  # the engine's own parse errors vary by engine
        raise explain_engine_error(exc, path, fmt) from None


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
