"""The firm-by-billing-cycle panel (DESIGN.md, smallbiz: the method, steps 1-6).

:func:`panel_expr` builds the panel, the firm-years and the sample funnel as Ibis
expressions from the validated tables (any engine); :func:`build_panel` is the stage: it
reads a validated folder, writes ``panel.parquet``, ``firm_years.parquet``, ``funnel.csv``
and, last, ``manifest.json``, and reuses the outputs when inputs and settings are
unchanged. Every definition is in ``docs/panel.md``.

>>> PANEL_COLUMNS[:4]
('firm_id', 'card_id', 'statement_date', 'cycle_start')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import ibis
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
from econscope.errors import DataError
from econscope.smallbiz.buffers import avg_daily_outflows, buffer_days, buffer_lo
from econscope.smallbiz.cycles import billing_cycles
from econscope.smallbiz.deposits import (
    cycle_adb,
    cycle_deposits,
    firm_events,
    firm_months,
    firm_spans,
    to_date,
    to_day,
)
from econscope.smallbiz.prices import deflate, missing_cpi_months, missing_cpi_years
from econscope.smallbiz.sample import firm_status, funnel
from econscope.stages import MANIFEST_NAME, Manifest, reusable

__all__ = [
    "FIRM_YEAR_COLUMNS",
    "MONEY_COLUMNS",
    "PANEL_COLUMNS",
    "REQUIRED_COLUMNS",
    "PanelExprs",
    "PanelResult",
    "build_panel",
    "firm_years",
    "panel_expr",
]

#: Money columns of the panel; each also appears as ``<column>_real`` in base-year dollars.
MONEY_COLUMNS: tuple[str, ...] = (
    "statement_balance",
    "credits_next_cycle",
    "revolving_balance",
    "revenues",
    "expenses",
    "net_cash_flow",
    "total_outflows",
    "adb",
    "annual_revenue",
    "avg_daily_outflows",
)

PANEL_COLUMNS: tuple[str, ...] = (
    "firm_id",
    "card_id",
    "statement_date",
    "cycle_start",
    "cycle_end",
    "statement_balance",
    "credits_next_cycle",
    "revolving",
    "revolving_balance",
    "revenues",
    "expenses",
    "net_cash_flow",
    "total_outflows",
    "n_transactions",
    "adb",
    "cash_buffer_days",
    "avg_daily_outflows",
    "year",
    "month",
    "industry",
    "annual_revenue",
    "size_class",
    *(f"{c}_real" for c in MONEY_COLUMNS),
)

FIRM_YEAR_COLUMNS: tuple[str, ...] = (
    "firm_id",
    "year",
    "industry",
    "revenue",
    "days_with_data",
    "days_in_year",
    "annual_revenue",
    "size_class",
    "annual_revenue_real",
)

#: Columns the panel reads from each validated table (deposit_balances is optional).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "firms": ("firm_id", "industry"),
    "deposit_accounts": ("account_id", "firm_id", "open_date", "close_date", "opening_balance"),
    "deposit_transactions": ("account_id", "posted_date", "amount", "category"),
    "deposit_balances": ("account_id", "date", "balance"),
    "card_accounts": ("card_id", "firm_id", "open_date"),
    "card_statements": ("card_id", "statement_date", "statement_balance"),
    "card_transactions": ("card_id", "posted_date", "amount", "kind"),
}
OPTIONAL_TABLES = frozenset({"deposit_balances"})

PANEL_FILE, FIRM_YEARS_FILE, FUNNEL_FILE = "panel.parquet", "firm_years.parquet", "funnel.csv"


@dataclass(frozen=True)
class PanelExprs:
    """The stage's three outputs as unexecuted Ibis expressions, plus the per-firm status."""

    panel: ir.Table
    firm_years: ir.Table
    funnel: ir.Table
    status: ir.Table


def _industry(firms: ir.Table, settings: Settings) -> ir.Table:
    known = firms.industry.isin(settings.industries)
    return firms.select(
        "firm_id", industry=ibis.ifelse(known, firms.industry, "unknown").fill_null("unknown")
    )


def _size_class(revenue: ir.FloatingValue, settings: Settings) -> ir.StringValue:
    large = revenue > settings.size.large_revenue_threshold
    return ibis.cases((large, "large"), (~large, "small"), else_=ibis.null("string"))


def firm_years(
    months: ir.Table, spans: ir.Table, industries: ir.Table, settings: Settings
) -> ir.Table:
    """Revenue per firm and calendar year from deposits, the size class and the industry.

    A firm-year is a calendar year with at least one deposit transaction (own-account
    transfers aside).

    ``revenue`` sums the year's operating inflows; ``days_with_data`` counts the year's
    days between the firm's first account opening and its last deposit activity;
    ``annual_revenue`` is ``revenue x days_in_year / days_with_data`` when
    ``settings.size.annualize_partial_years`` (else ``revenue``); size_class is "large"
    when annual_revenue > ``settings.size.large_revenue_threshold``, else "small".
    """
    d = months.mutate(year=(months.ym // 12).cast("int64"))
    rev = d.group_by("firm_id", "year").aggregate(
        revenue=d.revenues.sum(), n=d.n_transactions.sum()
    )
    rev = rev.filter(rev.n > 0).drop("n")
    y = rev.join(spans, "firm_id")
    jan1 = to_day(ibis.date(y.year, 1, 1))
    next_jan1 = to_day(ibis.date(y.year + 1, 1, 1))
    lo = ibis.greatest(jan1, y.data_start)
    hi = ibis.least(next_jan1 - 1, y.data_last)
    y = y.mutate(days_with_data=(hi - lo + 1).cast("int64"), days_in_year=next_jan1 - jan1)
    y = y.filter(y.days_with_data > 0)
    scale = y.days_in_year.cast("float64") / y.days_with_data.cast("float64")
    annual = y.revenue * scale if settings.size.annualize_partial_years else y.revenue
    y = y.mutate(annual_revenue=annual).join(industries, "firm_id")
    y = y.mutate(size_class=_size_class(y.annual_revenue, settings))
    y = deflate(y, ["annual_revenue"], settings, year="year", month=None)
    return y.select(*FIRM_YEAR_COLUMNS)


def panel_expr(
    tables: Mapping[str, ir.Table], settings: Settings | None = None, *, cache: bool = False
) -> PanelExprs:
    """The panel, firm-years and funnel from validated tables, as Ibis expressions.

    ``tables`` maps the validated table names to Ibis tables on one backend
    (``deposit_balances`` may be absent). ``cache=True`` materialises the shared
    intermediates in the engine (``Table.cache``) so that the three outputs do not
    recompute them.

    >>> import datetime as dt
    >>> import ibis, pyarrow as pa
    >>> d = dt.date
    >>> def mt(**cols):
    ...     return ibis.memtable(pa.table(cols))
    >>> t = {
    ...     "firms": mt(firm_id=["f"], industry=["retail"]),
    ...     "deposit_accounts": mt(account_id=["a"], firm_id=["f"], open_date=[d(2022, 1, 1)],
    ...         close_date=pa.array([None], pa.date32()), opening_balance=[1000.0]),
    ...     "deposit_transactions": mt(account_id=["a"] * 3,
    ...         posted_date=[d(2022, 1, 10), d(2022, 2, 10), d(2022, 3, 10)],
    ...         amount=[-600.0] * 3, category=["rent"] * 3),
    ...     "card_accounts": mt(card_id=["c"], firm_id=["f"], open_date=[d(2022, 1, 1)]),
    ...     "card_statements": mt(card_id=["c", "c"],
    ...         statement_date=[d(2022, 2, 15), d(2022, 3, 15)], statement_balance=[100.0, 50.0]),
    ...     "card_transactions": mt(card_id=["c"], posted_date=[d(2022, 3, 1)], amount=[100.0],
    ...         kind=["payment"]),
    ... }
    >>> s = Settings().with_overrides(["sample.min_monthly_transactions=1"])
    >>> out = ibis.duckdb.connect().to_pyarrow(panel_expr(t, s).panel.order_by("statement_date"))
    >>> out.select(["revolving", "expenses", "n_transactions"]).to_pylist()
    [{'revolving': False, 'expenses': 600.0, 'n_transactions': 1}, \
{'revolving': None, 'expenses': 600.0, 'n_transactions': 1}]
    """
    settings = settings or Settings()
    tables = dict(tables)

    def keep(t: ir.Table) -> ir.Table:
        return t.cache() if cache else t

    events = firm_events(tables, settings)
    months = keep(firm_months(firm_events(tables, settings, flows_only=True)))
    spans = keep(firm_spans(tables, months))
    status = keep(firm_status(tables, months, spans, settings))
    sample = status.filter(status.in_sample).select("firm_id")
    industries = _industry(tables["firms"], settings)

    cards = tables["card_accounts"].semi_join(sample, "firm_id")
    cycles = billing_cycles(cards, tables["card_statements"], tables["card_transactions"], settings)
    cycles = keep(cycles)
    events_s = events.semi_join(sample, "firm_id")
    c = cycles.left_join(spans, "firm_id").select(*cycles.columns, "data_start")
    c = c.mutate(
        flow_lo=ibis.greatest(c.start_day, c.data_start) - 1, buf_lo=buffer_lo(c, settings)
    )
    dep = cycle_deposits(
        events_s,
        c,
        {"cycle": lambda t: t.flow_lo, "buf": lambda t: t.buf_lo},
    )
    p = c.join(dep, ["card_id", "statement_day"])
    p = p.mutate(
        adb=cycle_adb(p),
        cash_buffer_days=buffer_days(p, settings),
        avg_daily_outflows=avg_daily_outflows(p, settings),
    )
    statement_date = to_date(p.statement_day)
    p = p.mutate(
        statement_date=statement_date,
        cycle_start=to_date(p.start_day),
        cycle_end=statement_date,
        year=statement_date.year().cast("int64"),
        month=statement_date.month().cast("int64"),
    )
    fy = keep(firm_years(months.semi_join(sample, "firm_id"), spans, industries, settings))
    p = p.left_join(industries, "firm_id").select(*p.columns, "industry")
    p = p.left_join(
        fy.select("firm_id", "year", "annual_revenue", "size_class"), ["firm_id", "year"]
    ).select(*p.columns, "annual_revenue", "size_class")
    p = deflate(p, MONEY_COLUMNS, settings, year="year", month="month")
    return PanelExprs(
        panel=p.select(*PANEL_COLUMNS),
        firm_years=fy,
        funnel=funnel(status, settings),
        status=status,
    )


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


def _write_parquet(con: Backend, expr: ir.Table, path: Path) -> None:
    """Write ``expr`` to Parquet atomically, by the engine (streaming, no pandas)."""
    del con  # the expression carries its backend
    write_parquet(expr, path)


def _row_count(con: Backend, path: Path) -> int:
    """Rows of a written table, by the engine: a Parquet file, or a folder of parts (Spark)."""
    return int(read_table(con, path).count().execute())


def _table_files(validated_dir: Path) -> dict[str, Path]:
    if not validated_dir.is_dir():
        raise DataError(
            "validated folder not found",
            file=str(validated_dir),
            hint="run `econscope smallbiz validate` first, or check the path",
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


def _check_prices(con: Backend, tables: Mapping[str, ir.Table], settings: Settings) -> None:
    st = tables["card_statements"]
    tx = tables["deposit_transactions"]
    spans = [
        con.to_pyarrow(t.aggregate(lo=col.min().year(), hi=col.max().year())).to_pylist()[0]
        for t, col in ((st, st.statement_date), (tx, tx.posted_date))
    ]
    years: set[int] = set()
    for span in spans:
        if span["lo"] is not None:
            years |= set(range(int(span["lo"]), int(span["hi"]) + 1))
    missing = missing_cpi_years(settings, years)
    if missing:
        raise DataError(
            f"the price index has no CPI for years {missing}",
            hint="add them to prices.cpi_annual (or prices.cpi_monthly_file)",
        )
    if settings.prices.cpi_monthly_file is not None:
        # Money is deflated by the statement month's CPI: every such month needs one.
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
    vdir, odir = Path(validated_dir), Path(out_dir)
    files = _table_files(vdir)
    inputs: dict[str, Path] = dict(files)
    if settings.prices.cpi_monthly_file is not None:
        inputs["cpi_monthly_file"] = Path(settings.prices.cpi_monthly_file)
    planned = Manifest.build(
        "panel", inputs=inputs, settings=settings.to_manifest(), params={"tables": sorted(files)}
    )
    done = reusable(odir, planned)
    if done is not None:
        return PanelResult(odir, done, reused=True)

    odir.mkdir(parents=True, exist_ok=True)
    (odir / MANIFEST_NAME).unlink(missing_ok=True)  # outputs below are about to change
    con = con or connect(settings.engine)
    tables = {name: read_table(con, path) for name, path in files.items()}
    _check_columns(tables, files)
    _check_prices(con, tables, settings)

    exprs = panel_expr(tables, settings, cache=True)
    _write_parquet(
        con, exprs.panel.order_by("firm_id", "card_id", "statement_date"), odir / PANEL_FILE
    )
    _write_parquet(con, exprs.firm_years.order_by("firm_id", "year"), odir / FIRM_YEARS_FILE)
    funnel_df = con.to_pyarrow(exprs.funnel.order_by("step")).to_pandas()
    with atomic_path(odir / FUNNEL_FILE) as tmp:
        funnel_df.to_csv(tmp, index=False)
    rows = {
        "panel": _row_count(con, odir / PANEL_FILE),
        "firm_years": _row_count(con, odir / FIRM_YEARS_FILE),
        "funnel": len(funnel_df),
        "sample_firms": int(funnel_df.firms_after.iloc[-1]),
    }
    manifest = planned.finished(rows=rows, outputs=[PANEL_FILE, FIRM_YEARS_FILE, FUNNEL_FILE])
    manifest.write(odir)
    return PanelResult(odir, manifest, reused=False)
