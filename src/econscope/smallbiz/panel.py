"""The panel stage: a validated folder in, the firm-by-billing-cycle panel out.

:func:`build_panel` reads a validated folder, evaluates
:func:`~econscope.smallbiz.method.panel.panel_expr` (the method's steps composed), writes
``panel.parquet``, ``firm_years.parquet``, ``funnel.csv`` and, last, ``manifest.json``
through :func:`~econscope.stages.run_stage`, and reuses the outputs when inputs and
settings are unchanged. Every definition is in ``docs/panel.md``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import ibis.expr.types as ir
import pandas as pd

from econscope.config import Settings
from econscope.engine import (
    Backend,
    atomic_path,
    connect,
    find_table_file,
    read_table,
    write_parquet,
)
from econscope.errors import DataError, EconscopeWarning
from econscope.smallbiz.method.panel import (
    CARD_TABLES,
    OPTIONAL_TABLES,
    REQUIRED_COLUMNS,
    deposits_only,
    panel_expr,
)
from econscope.smallbiz.method.prices import missing_cpi_months, missing_cpi_years
from econscope.smallbiz.schema import SCHEMAS
from econscope.stages import Manifest, MissingInputError, StageOutput, run_stage

__all__ = ["FIRM_YEARS_FILE", "FUNNEL_FILE", "PANEL_FILE", "PanelResult", "build_panel"]

PANEL_FILE, FIRM_YEARS_FILE, FUNNEL_FILE = "panel.parquet", "firm_years.parquet", "funnel.csv"


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


def build_panel(
    validated_dir: str | Path,
    out_dir: str | Path,
    settings: Settings | None = None,
    *,
    con: Backend | None = None,
) -> PanelResult:
    """Build the firm-by-billing-cycle panel from a validated folder into ``out_dir``.

    Writes panel.parquet, firm_years.parquet and funnel.csv atomically, then
    manifest.json (input fingerprints, settings, version, row counts). When ``out_dir``
    already holds a finished run with the same inputs and settings, it is reused as is.
    """
    settings = settings or Settings()
    vdir = Path(validated_dir)
    files = _table_files(vdir)
    inputs: dict[str, Path] = dict(files)
    if settings.prices.cpi_monthly_file is not None:
        inputs["cpi_monthly_file"] = Path(settings.prices.cpi_monthly_file)

    def compute(odir: Path) -> StageOutput:
        engine = con or connect(settings.engine)
        tables = {name: read_table(engine, path) for name, path in files.items()}
        _check_columns(tables, files)
        _check_prices(engine, tables, settings)
        exprs = panel_expr(tables, settings, cache=True)
        write_parquet(
            exprs.panel.order_by("firm_id", "card_id", "statement_date"), odir / PANEL_FILE
        )
        write_parquet(exprs.firm_years.order_by("firm_id", "year"), odir / FIRM_YEARS_FILE)
        funnel_df = engine.to_pyarrow(exprs.funnel.order_by("step")).to_pandas()
        with atomic_path(odir / FUNNEL_FILE) as tmp:
            funnel_df.to_csv(tmp, index=False)
        written = read_table(engine, odir / PANEL_FILE)
        rows = {
            "panel": _row_count(engine, odir / PANEL_FILE),
            "panel_firms": int(written.firm_id.nunique().execute()),
            "firm_years": _row_count(engine, odir / FIRM_YEARS_FILE),
            "funnel": len(funnel_df),
            "sample_firms": int(funnel_df.firms_after.iloc[-1]),
        }
        return StageOutput(rows=rows, outputs=[PANEL_FILE, FIRM_YEARS_FILE, FUNNEL_FILE])

    result = run_stage(
        "panel",
        out_dir,
        inputs=inputs,
        settings=settings.to_manifest(),
        params={"tables": sorted(files), "deposits_only": deposits_only(files, settings)},
        compute=compute,
        load=lambda odir, manifest: (odir, manifest),
    )
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
