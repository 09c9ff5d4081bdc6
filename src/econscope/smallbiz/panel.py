"""The panel stage: a validated folder in, the firm-by-billing-cycle panel out.

:func:`build_panel` reads a validated folder, evaluates
:func:`~econscope.smallbiz.method.panel.panel_expr` (the method's steps composed), writes
``panel.parquet``, ``firm_years.parquet``, ``funnel.csv`` and, last, ``manifest.json``
through :func:`~econscope.stages.run_stage`, and reuses the outputs when inputs and
settings are unchanged. Every definition is in ``docs/panel.md``.

A big bank is built in firm buckets (:func:`bucket_count`; ``scale.buckets``): the
validated tables are partitioned once by a hash of firm_id (unit ``partition``), each
bucket's panel is one resumable unit (``bucket-00000`` ...) writing one part file of
``panel.parquet/`` and ``firm_years.parquet/`` (folders that every later stage reads as
one table), and the funnel is the sum of the buckets' funnels. Every panel measure is
within one firm, so the bucketed panel equals the unbucketed one row for row.
"""

from __future__ import annotations

import math
import shutil
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow.parquet as pq

from econscope.config import Settings
from econscope.engine import (
    Backend,
    atomic_path,
    connect,
    engine_errors,
    find_table_file,
    memory_budget,
    read_table,
    resource_errors,
    write_parquet,
)
from econscope.errors import DataError, EconscopeWarning
from econscope.smallbiz.method.panel import (
    BUCKET_COLUMN,
    CARD_TABLES,
    OPTIONAL_TABLES,
    REQUIRED_COLUMNS,
    PanelExprs,
    bucket_tables,
    deposits_only,
    panel_expr,
)
from econscope.smallbiz.method.prices import missing_cpi_months, missing_cpi_years
from econscope.smallbiz.method.sample import FUNNEL_COLUMNS
from econscope.smallbiz.schema import SCHEMAS
from econscope.stages import Manifest, MissingInputError, StageOutput, Unit, run_stage

__all__ = [
    "FIRM_YEARS_FILE",
    "FUNNEL_FILE",
    "PANEL_FILE",
    "PanelResult",
    "bucket_count",
    "build_panel",
    "input_rows",
]

PANEL_FILE, FIRM_YEARS_FILE, FUNNEL_FILE = "panel.parquet", "firm_years.parquet", "funnel.csv"
#: Scratch folders of a bucketed build, inside the stage's folder (removed when it ends).
_PARTS, _FUNNELS, _SPILL = ".buckets", ".funnels", ".spill"


@dataclass(frozen=True)
class PanelResult:
    """What :func:`build_panel` wrote (or found and reused) in ``out_dir``."""

    out_dir: Path
    manifest: Manifest
    reused: bool

    @property
    def panel_path(self) -> Path:
        return self.out_dir / PANEL_FILE

    @property
    def firm_years_path(self) -> Path:
        return self.out_dir / FIRM_YEARS_FILE

    @property
    def funnel_path(self) -> Path:
        return self.out_dir / FUNNEL_FILE

    @property
    def funnel(self) -> pd.DataFrame:
        """The sample funnel (one row per filter), the stage's tidy summary table."""
        return pd.read_csv(self.funnel_path)

    @property
    def rows(self) -> dict[str, int]:
        return dict(self.manifest.rows)

    def table(self, con: Backend) -> ir.Table:
        """The panel as an Ibis table on ``con``."""
        return read_table(con, self.panel_path)


def _row_count(con: Backend, path: Path) -> int:
    """Rows of a written table, by the engine: a Parquet file, or a folder of parts (Spark)."""
    return int(read_table(con, path).count().execute())


def _firm_count(con: Backend, path: Path) -> int:
    """Firms in a written panel (a file or a folder of parts: a firm is in one part)."""
    return int(read_table(con, path).firm_id.nunique().execute())


def _table_files(validated_dir: Path) -> dict[str, Path]:
    if not validated_dir.is_dir():
        raise MissingInputError(
            f"panel: the validated folder {validated_dir} is missing. Hint: run "
            "`econscope smallbiz validate` first, or check the path"
        )
    files: dict[str, Path] = {}
    for name in REQUIRED_COLUMNS:
        path = find_table_file(validated_dir, name)
        if path is None:
            if name in OPTIONAL_TABLES:
                continue
            raise DataError(
                f"table {name!r} is missing",
                file=str(validated_dir),
                hint=f"the validated folder needs {name}.parquet (run validate first)",
            )
        files[name] = path
    cards = [n for n in CARD_TABLES if n in files]
    if cards and len(cards) < len(CARD_TABLES):
        missing = [n for n in CARD_TABLES if n not in files]
        raise DataError(
            f"card tables {missing} are missing while {cards} are there",
            file=str(validated_dir),
            hint="give all three card tables, or none for a deposit-only panel "
            "(run validate first)",
        )
    return files


def _check_columns(tables: Mapping[str, ir.Table], files: Mapping[str, Path]) -> None:
    for name, table in tables.items():
        missing = [c for c in REQUIRED_COLUMNS[name] if c not in table.columns]
        if missing:
            raise DataError(
                f"missing columns {missing}",
                file=str(files[name]),
                hint="give the table the validated schema (run validate first)",
            )
        schema = SCHEMAS[name]
        for col in REQUIRED_COLUMNS[name]:
            dtype = table.schema()[col]
            want = schema.column(col).dtype
            ok = (
                dtype.is_null()
                or (want == "date" and (dtype.is_date() or dtype.is_timestamp()))
                or (want == "float64" and dtype.is_numeric())
                or (want == "string" and dtype.is_string())
            )
            if not ok:
                raise MissingInputError(
                    f"panel: {files[name]} is not a validated table: column {col!r} is "
                    f"{dtype}, not {want}. Hint: run `econscope smallbiz validate DATA_DIR "
                    "--out RUN/validated` first and point the panel at RUN/validated"
                )


def _check_prices(con: Backend, tables: Mapping[str, ir.Table], settings: Settings) -> None:
    tx = tables["deposit_transactions"]
    dated = [(tx, tx.posted_date)]
    st = tables.get("card_statements")
    if st is not None:
        dated.append((st, st.statement_date))
    spans = [
        con.to_pyarrow(t.aggregate(lo=col.min().year(), hi=col.max().year())).to_pylist()[0]
        for t, col in dated
    ]
    years: set[int] = set()
    for span in spans:
        if span["lo"] is not None:
            years |= set(range(int(span["lo"]), int(span["hi"]) + 1))
    missing = missing_cpi_years(settings, years)
    if missing:
        idx = settings.prices.index
        raise DataError(
            f"the price index ({idx}) has no value for years {missing}",
            hint=f"add them, e.g. --set prices.cpi_annual.{missing[0]}=100.0 (or give "
            "prices.cpi_monthly_file), or publish nominal amounts with --set prices.deflate=false",
        )
    if settings.prices.cpi_monthly_file is not None and settings.prices.deflate:
        # Money is deflated by the statement month's CPI: every such month needs one.
        if st is None:  # deposit-only: the statement month is every month of the data
            st = tx.select(statement_date=tx.posted_date)
        ym = st.select(y=st.statement_date.year(), m=st.statement_date.month()).distinct()
        months = con.to_pyarrow(ym).to_pylist()
        gaps = missing_cpi_months(settings, [(r["y"], r["m"]) for r in months])
        if gaps:
            raise DataError(
                f"the monthly CPI has no value for statement months {gaps[:12]}"
                + (f" and {len(gaps) - 12} more" if len(gaps) > 12 else ""),
                file=str(settings.prices.cpi_monthly_file),
                hint="add those months to the file (columns year, month, cpi)",
            )


def _parquet_files(path: Path) -> list[Path]:
    return sorted(path.glob("*.parquet")) if path.is_dir() else [path]


def input_rows(files: Mapping[str, Path]) -> int:
    """Rows of the validated tables, from the Parquet footers (CSV counts as 0: not read)."""
    rows = 0
    for path in files.values():
        for f in _parquet_files(path):
            if f.suffix != ".parquet":
                continue
            try:
                rows += pq.ParquetFile(f).metadata.num_rows
            except (*engine_errors(), OSError) as exc:  # not Parquet, a truncated footer
                raise DataError(
                    f"unreadable parquet file ({type(exc).__name__}: {str(exc).splitlines()[0]})",
                    file=str(f),
                    hint="the validated table is damaged: run `econscope smallbiz validate` "
                    "again into a fresh folder",
                ) from None
    return rows


def _input_bytes(files: Mapping[str, Path]) -> int:
    return sum(f.stat().st_size for path in files.values() for f in _parquet_files(path))


def bucket_count(rows: int, settings: Settings) -> int:
    """Firm buckets of the panel: ``scale.buckets``, else ``rows`` input rows over what
    the memory budget holds (``scale.rows_per_gb`` rows per GB), at least 1.

    >>> s = Settings().with_overrides(["engine.memory_limit='4GB'"])
    >>> bucket_count(40_000_000, s), bucket_count(400_000_000, s)  # 80M rows per bucket
    (1, 5)
    """
    if settings.scale.buckets is not None:
        return settings.scale.buckets
    per_bucket = settings.scale.rows_per_gb * memory_budget(settings.engine) / 1e9
    return max(1, math.ceil(rows / per_bucket))


def _part(k: int) -> str:
    return f"part-{k:05d}.parquet"


def _write_outputs(exprs: PanelExprs, panel: Path, firm_years: Path) -> None:
    write_parquet(exprs.panel.order_by("firm_id", "card_id", "statement_date"), panel)
    write_parquet(exprs.firm_years.order_by("firm_id", "year"), firm_years)


def _funnel_rows(funnel_df: pd.DataFrame) -> dict[str, int]:
    return {"funnel": len(funnel_df), "sample_firms": int(funnel_df.firms_after.iloc[-1])}


def _write_funnel(funnel_df: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        funnel_df.to_csv(tmp, index=False)


def _summed_funnel(engine: Backend, parts: Path) -> pd.DataFrame:
    """The bank's funnel: the buckets' funnels summed per filter (firms are in one bucket)."""
    f = read_table(engine, parts)
    s = f.group_by("step", "filter", "description").aggregate(
        firms_before=f.firms_before.sum().cast("int64"),
        firms_after=f.firms_after.sum().cast("int64"),
        rows_before=f.rows_before.sum().cast("int64"),
        rows_after=f.rows_after.sum().cast("int64"),
    )
    s = s.mutate(
        firms_dropped=s.firms_before - s.firms_after, rows_dropped=s.rows_before - s.rows_after
    )
    return engine.to_pyarrow(s.select(*FUNNEL_COLUMNS).order_by("step")).to_pandas()


def build_panel(
    validated_dir: str | Path,
    out_dir: str | Path,
    settings: Settings | None = None,
    *,
    con: Backend | None = None,
    progress: Callable[[str], None] | None = None,
) -> PanelResult:
    """Build the firm-by-billing-cycle panel from a validated folder into ``out_dir``.

    Writes panel.parquet, firm_years.parquet and funnel.csv atomically, then
    manifest.json (input fingerprints, settings, version, row counts). When ``out_dir``
    already holds a finished run with the same inputs and settings, it is reused as is.
    ``progress`` is called with "panel", "firm_years" and "funnel" as each is written.
    With more than one firm bucket (:func:`bucket_count`) panel.parquet and
    firm_years.parquet are folders of one part file per bucket, each bucket a resumable
    unit: a rerun after an interruption resumes at the first unfinished bucket.
    """
    settings = settings or Settings()
    done = progress or (lambda _step: None)
    vdir = Path(validated_dir)
    files = _table_files(vdir)
    inputs: dict[str, Path] = dict(files)
    if settings.prices.cpi_monthly_file is not None:
        inputs["cpi_monthly_file"] = Path(settings.prices.cpi_monthly_file)
    buckets = bucket_count(input_rows(files), settings)
    size = _input_bytes(files)
    engines: dict[str, Backend] = {}

    def engine_for(odir: Path) -> Backend:
        if "con" not in engines:
            engines["con"] = con or connect(settings.engine, spill_dir=odir / _SPILL)
        return engines["con"]

    def open_tables(engine: Backend) -> dict[str, ir.Table]:
        tables = {name: read_table(engine, path) for name, path in files.items()}
        _check_columns(tables, files)
        return tables

    def compute_whole(odir: Path) -> StageOutput:
        engine = engine_for(odir)
        with resource_errors(engine, "panel", input_bytes=size):
            tables = open_tables(engine)
            _check_prices(engine, tables, settings)
            exprs = panel_expr(tables, settings, cache=True)
            _write_outputs(exprs, odir / PANEL_FILE, odir / FIRM_YEARS_FILE)
            done("panel")
            done("firm_years")
            funnel_df = engine.to_pyarrow(exprs.funnel.order_by("step")).to_pandas()
            exprs.release()
        _write_funnel(funnel_df, odir / FUNNEL_FILE)
        done("funnel")
        rows = {
            "panel": _row_count(engine, odir / PANEL_FILE),
            "panel_firms": _firm_count(engine, odir / PANEL_FILE),
            "firm_years": _row_count(engine, odir / FIRM_YEARS_FILE),
            **_funnel_rows(funnel_df),
        }
        return StageOutput(rows=rows, outputs=[PANEL_FILE, FIRM_YEARS_FILE, FUNNEL_FILE])

    def partition(odir: Path) -> StageOutput:
        """Unit 0: check the prices, then write each table partitioned by firm bucket."""
        engine = engine_for(odir)
        with resource_errors(engine, "panel", input_bytes=size):
            tables = open_tables(engine)
            _check_prices(engine, tables, settings)
            for name, table in bucket_tables(tables, buckets).items():
                # Spark's writer names the option partitionBy (Ibis passes it through)
                key = "partition_by" if engine.name == "duckdb" else "partitionBy"
                with atomic_path(odir / _PARTS / name) as tmp:
                    engine.to_parquet(table, tmp, **{key: BUCKET_COLUMN})
        return StageOutput(rows={}, outputs=[_PARTS])

    def bucket(k: int) -> Unit:
        def compute_bucket(odir: Path) -> StageOutput:
            engine = engine_for(odir)
            parts = {name: read_table(engine, odir / _PARTS / name, hive=True) for name in files}
            tables = {
                name: t.filter(t[BUCKET_COLUMN] == ibis.literal(k, "int64")).drop(BUCKET_COLUMN)
                for name, t in parts.items()
            }
            outs = [f"{PANEL_FILE}/{_part(k)}", f"{FIRM_YEARS_FILE}/{_part(k)}"]
            with resource_errors(engine, "panel", input_bytes=size):
                exprs = panel_expr(tables, settings, cache=True)
                _write_outputs(exprs, odir / outs[0], odir / outs[1])
                write_parquet(exprs.funnel, odir / _FUNNELS / _part(k))
                exprs.release()
            rows = {"panel": _row_count(engine, odir / outs[0])}
            return StageOutput(rows=rows, outputs=[*outs, f"{_FUNNELS}/{_part(k)}"])

        return Unit(f"bucket-{k:05d}", compute_bucket)

    def combine(odir: Path) -> StageOutput:
        engine = engine_for(odir)
        expected = {_part(k) for k in range(buckets)}
        for folder in (odir / PANEL_FILE, odir / FIRM_YEARS_FILE):
            for stale in folder.glob("*.parquet"):  # parts of an older run with more buckets
                if stale.name not in expected:
                    stale.unlink()
        funnel_df = _summed_funnel(engine, odir / _FUNNELS)
        _write_funnel(funnel_df, odir / FUNNEL_FILE)
        shutil.rmtree(odir / _PARTS, ignore_errors=True)
        shutil.rmtree(odir / _FUNNELS, ignore_errors=True)
        rows = {
            "panel": _row_count(engine, odir / PANEL_FILE),
            "panel_firms": _firm_count(engine, odir / PANEL_FILE),
            "firm_years": _row_count(engine, odir / FIRM_YEARS_FILE),
            **_funnel_rows(funnel_df),
            "buckets": buckets,
        }
        return StageOutput(rows=rows, outputs=[PANEL_FILE, FIRM_YEARS_FILE, FUNNEL_FILE])

    units = [Unit("partition", partition), *(bucket(k) for k in range(buckets))]
    try:
        result = run_stage(
            "panel",
            out_dir,
            inputs=inputs,
            settings=settings.to_manifest(),
            params={
                "tables": sorted(files),
                "deposits_only": deposits_only(files, settings),
                "buckets": buckets,
            },
            compute=compute_whole if buckets == 1 else combine,
            load=lambda odir, manifest: (odir, manifest),
            units=units if buckets > 1 else (),
        )
    finally:
        shutil.rmtree(Path(out_dir) / _SPILL, ignore_errors=True)
    panel = PanelResult(*result.value, reused=result.reused)
    if panel.rows.get("panel", 0) == 0:
        _warn_empty(panel.funnel)
    return panel


def _warn_empty(funnel: pd.DataFrame) -> None:
    """An empty panel is always a warning naming the filter that emptied it."""
    emptied = funnel[(funnel.firms_after == 0) & (funnel.firms_before > 0)]
    if len(funnel) and funnel.firms_before.iloc[0] == 0:
        why = "no accepted firm has deposit data (see validated/accounting.csv)"
    elif len(emptied):
        row = emptied.iloc[0]
        why = f"the filter {row['filter']!r} ({row['description']}) removed every firm"
    else:
        why = (
            f"{int(funnel.firms_after.iloc[-1]):,} firms are in the sample but none has a "
            "card statement"
        )
    warnings.warn(
        f"the panel is empty: {why}. Hint: see panel/funnel.csv; the sample settings are "
        "sample.* (`econscope config`), and a bank without card statements gets a "
        "deposit-only panel (--deposits-only)",
        EconscopeWarning,
        stacklevel=3,
    )
