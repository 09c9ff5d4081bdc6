"""``econscope economies ...``: observations, indicators and studies."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from econscope.cli._common import ConfigOption, SetOption, out, settings_from

app = typer.Typer(
    help="Compare economies with every figure recomputed from data.",
    no_args_is_help=True,
)

# --- econscope economies load / indicator (core; the studies add their own commands) ---

_NUMBER_INDICATORS = (
    "mean-growth",
    "compound-growth",
    "cagr",
    "hhi",
    "hhi-normalized",
    "top-n-share",
    "tsi",
    "grubel-lloyd",
    "trade-balance",
    "openness",
    "rca",
)
_TABLE_INDICATORS = ("growth", "rca", "hhi", "tsi", "grubel-lloyd")


@app.command("load")
def load_cmd(
    files: Annotated[
        list[Path],
        typer.Argument(help="Data files or folders of them (WDI, Comtrade, BACI, facts)."),
    ],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the normalised outputs.")],
    layout: Annotated[
        str | None,
        typer.Option(help="Layout of every file (default: detected per file)."),
    ] = None,
    indicator: Annotated[
        str | None, typer.Option(help="Indicator code of a long WDI file.")
    ] = None,
    vintage: Annotated[str | None, typer.Option(help="Vintage (release) of the files.")] = None,
) -> None:
    """Read files into observations.parquet (+ aggregates, trade, rejected) and load_report.csv."""
    from econscope.economies.load import load_files
    from econscope.economies.readers import LAYOUTS
    from econscope.errors import ConfigError

    if layout is not None and layout not in LAYOUTS:
        raise ConfigError(f"unknown layout {layout!r}. Hint: use one of {', '.join(LAYOUTS)}")
    with _warnings_as_lines():
        result = load_files(files, out_dir, layout=layout, indicator=indicator, vintage=vintage)  # type: ignore[arg-type]
    for row in result.report.to_pylist():
        reason = f" ({row['reason']})" if row["reason"] else ""
        out.print(
            f"{row['file']} [{row['layout']}]: {row['outcome']}{reason} {row['rows']}",
            markup=False,
        )
    note = " (reused)" if result.reused else ""
    out.print(
        f"wrote {result.out_dir}{note}: " + ", ".join(f"{k} {v}" for k, v in result.rows.items())
    )


def _floats(text: str | None, name: str) -> list[float]:
    from econscope.errors import ConfigError

    if not text:
        raise ConfigError(f"--{name} is required for this indicator. Hint: e.g. --{name} 6.7,6.9")
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ConfigError(f"--{name} {text!r}: not a comma-separated list of numbers") from None


def _need(value: float | None, name: str) -> float:
    from econscope.errors import ConfigError

    if value is None:
        raise ConfigError(f"--{name} is required for this indicator")
    return value


@app.command("indicator")
def indicator_cmd(
    name: Annotated[str, typer.Argument(help="Indicator name (see --help).")],
    data: Annotated[
        Path | None,
        typer.Option(help="observations.parquet (growth) or trade.parquet (rca, hhi, tsi, ...)."),
    ] = None,
    values: Annotated[
        str | None, typer.Option(help="Comma-separated numbers (rates in %, or parts).")
    ] = None,
    x: Annotated[float | None, typer.Option("--x", help="Exports.")] = None,
    m: Annotated[float | None, typer.Option("--m", help="Imports.")] = None,
    gdp: Annotated[float | None, typer.Option(help="GDP (openness).")] = None,
    first: Annotated[float | None, typer.Option(help="First level (cagr).")] = None,
    last: Annotated[float | None, typer.Option(help="Last level (cagr).")] = None,
    years: Annotated[float | None, typer.Option(help="Years between first and last.")] = None,
    n: Annotated[int, typer.Option(help="N of the top-N share.")] = 5,
    indicator: Annotated[
        str | None, typer.Option(help="Keep only this indicator code (growth on a table).")
    ] = None,
    by: Annotated[
        str, typer.Option(help="Group columns of a trade table, comma-separated.")
    ] = "period,reporter",
    out_file: Annotated[Path | None, typer.Option("--out", help="Write the table as CSV.")] = None,
) -> None:
    """Compute an indicator on numbers or on a loaded table.

    On numbers: mean-growth / compound-growth (--values in %), cagr (--first --last
    --years), hhi / hhi-normalized / top-n-share (--values, --n), tsi / grubel-lloyd /
    trade-balance (--x --m), openness (--x --m --gdp), rca (--values X_cp,X_c,X_p,X).
    On a table (--data): growth (observations), rca, hhi, tsi, grubel-lloyd (trade;
    exports to partner WLD for rca and hhi over products).
    """
    from econscope.economies import indicators as ind
    from econscope.errors import ConfigError

    if data is not None:
        if name not in _TABLE_INDICATORS:
            raise ConfigError(
                f"indicator {name!r} does not run on a table. Hint: use one of {_TABLE_INDICATORS}"
            )
        _table_indicator(name, data, indicator=indicator, by=by, n=n, out_file=out_file)
        return
    if name not in _NUMBER_INDICATORS:
        raise ConfigError(
            f"unknown indicator {name!r}. "
            f"Hint: on numbers use one of {', '.join(_NUMBER_INDICATORS)}; "
            f"on a table (--data) one of {', '.join(_TABLE_INDICATORS)}"
        )
    if name in {"mean-growth", "compound-growth"}:
        rates = [v / 100 for v in _floats(values, "values")]
        avg = ind.average_growth(rates, "arithmetic" if name == "mean-growth" else "geometric")
        out.print(avg.describe())
    elif name == "cagr":
        value = ind.cagr(_need(first, "first"), _need(last, "last"), _need(years, "years"))
        out.print(f"compound annual growth rate: {value:.4%}")
    elif name in {"hhi", "hhi-normalized", "top-n-share"}:
        parts = _floats(values, "values")
        if name == "hhi":
            out.print(f"HHI = sum of squared shares: {ind.hhi(parts):.6g}")
        elif name == "hhi-normalized":
            out.print(f"normalised HHI = (HHI - 1/N) / (1 - 1/N): {ind.normalized_hhi(parts):.6g}")
        else:
            out.print(f"top-{n} share: {ind.top_n_share(parts, n):.6g}")
    elif name == "rca":
        vals = _floats(values, "values")
        if len(vals) != 4:
            raise ConfigError("rca on numbers takes --values X_cp,X_c,X_p,X")
        r = ind.rca(*vals)
        out.print(f"RCA = (X_cp/X_c)/(X_p/X): {r:.6g} (present: {r >= 1})")
    else:
        ex, im = _need(x, "x"), _need(m, "m")
        if name == "tsi":
            out.print(f"TSI = (X-M)/(X+M): {ind.tsi(ex, im):.6g}")
        elif name == "grubel-lloyd":
            out.print(f"Grubel-Lloyd = 1-|X-M|/(X+M): {ind.grubel_lloyd(ex, im):.6g}")
        elif name == "trade-balance":
            out.print(f"trade balance X-M: {ind.trade_balance(ex, im):.6g}")
        else:
            out.print(f"openness (X+M)/GDP: {ind.openness(ex, im, _need(gdp, 'gdp')):.6g}")


def _table_indicator(
    name: str, data: Path, *, indicator: str | None, by: str, n: int, out_file: Path | None
) -> None:
    import pyarrow.csv as pacsv

    from econscope.economies import indicators as ind
    from econscope.engine import atomic_path, connect, read_table
    from econscope.errors import DataError

    if not data.exists():
        raise DataError(
            f"{data}: not found",
            hint="give the observations.parquet or trade.parquet `economies load` wrote",
        )
    if data.is_dir() and not (data / "_SUCCESS").exists() and not any(data.glob("*.parquet")):
        raise DataError(
            f"{data}: a folder, not a table",
            hint=f"give the file inside it, e.g. {data / _TABLE_FILE.get(name, 'trade.parquet')}",
        )
    if data.is_file() and data.stat().st_size == 0:
        raise DataError(f"{data}: the file is empty", hint="rerun `econscope economies load`")
    con = connect()
    with warnings.catch_warnings():
        # Ibis 12 calls DuckDB 2's deprecated fetch_arrow_table while registering a file.
        warnings.filterwarnings("ignore", "fetch_arrow_table", DeprecationWarning)
        t = read_table(con, data)
    groups = [c.strip() for c in by.split(",") if c.strip()]
    if name == "growth":
        if indicator:
            t = t.filter(t.indicator == indicator)
        result = ind.growth_table(t)
    elif name == "rca":
        exports = t.filter((t.flow == "export") & (t.partner == "WLD"))
        result = ind.rca_table(exports)
    elif name == "hhi":
        exports = t.filter((t.flow == "export") & (t.partner != "WLD"))
        result = ind.hhi_table(exports, by=groups, part="product", top_n=n)
    elif name == "tsi":
        result = ind.tsi_table(t.filter(t.partner != "WLD"), by=[*groups, "product"])
    else:
        result = ind.grubel_lloyd_table(t.filter(t.partner != "WLD"), by=[*groups, "product"])
    first = ("entity", "indicator", "period") if name == "growth" else (*groups, "product")
    sort = [c for c in (*first, "entity", "indicator", "period") if c in result.columns]
    arrow = result.order_by(list(dict.fromkeys(sort))).to_pyarrow()
    if arrow.num_rows == 0:
        raise DataError(f"{name}: no rows. {_EMPTY_WHY[name].rstrip('.')}", hint=_EMPTY_HINT[name])
    if out_file is not None:
        with atomic_path(out_file) as tmp:
            pacsv.write_csv(arrow, tmp)
        out.print(f"wrote {out_file}: {arrow.num_rows} rows")
        return
    frame = arrow.to_pandas()
    if name == "growth":
        percent_in = bool(t.filter(t.unit == "percent").count().to_pyarrow().as_py())
        frame = frame.assign(growth_pct=(frame["value"] * 100).round(2))[
            ["entity", "indicator", "period", "growth_pct"]
        ]
        out.print("growth = value_t / value_(t-1) - 1, in % of the previous year's value")
        if percent_in:
            out.print(
                "note: the inputs are rates in percent, so this is the relative change of a "
                "rate, not a change in percentage points"
            )
    shown = frame.head(_MAX_ROWS)
    out.print(shown.to_string(index=False, float_format=lambda v: f"{v:,.4g}"), soft_wrap=True)
    if len(frame) > _MAX_ROWS:
        out.print(
            f"... {len(frame) - _MAX_ROWS} more rows of {len(frame)}; --out FILE.csv writes all"
        )


@contextmanager
def _warnings_as_lines() -> Iterator[None]:
    """Warnings raised inside, each printed once as one line on the console (no source
    line echoed)."""
    from econscope.cli._common import console

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    seen: set[str] = set()
    for w in caught:
        text = str(w.message)
        if text not in seen:
            seen.add(text)
            console.print(f"warning: {text}", markup=False, highlight=False, soft_wrap=True)


_MAX_ROWS = 40
_TABLE_FILE = {"growth": "observations.parquet"}
_EMPTY_WHY = {
    "growth": "No annual series with two consecutive years (of that --indicator) is in the table.",
    "rca": "RCA needs each reporter's exports to the world (flow export, partner WLD), and the "
    "table has none.",
    "hhi": "HHI needs export flows to partners other than WLD, and the table has none.",
    "tsi": "TSI needs flows to partners other than WLD, and the table has none.",
    "grubel-lloyd": "Grubel-Lloyd needs flows to partners other than WLD, and the table has none.",
}
_EMPTY_HINT = {
    "growth": "check --indicator and that the table holds consecutive years",
    "rca": "load a Comtrade or BACI file with exports to World (partner 0)",
    "hhi": "load bilateral export flows (Comtrade or BACI)",
    "tsi": "load bilateral flows (Comtrade or BACI)",
    "grubel-lloyd": "load bilateral flows (Comtrade or BACI)",
}

# --- econscope economies study (the declarative studies and their claims ledger) ---


@app.command("study")
def study_cmd(
    name: Annotated[
        str, typer.Argument(help="A bundled study (vietnam-china) or the path of a study.yaml.")
    ],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the ledger and report.")],
    data: Annotated[
        list[Path] | None,
        typer.Option(
            "--data",
            help="Real data to check the claims against: WDI or Comtrade files, or folders "
            "of them (repeatable).",
        ),
    ] = None,
    no_report: Annotated[
        bool, typer.Option("--no-report", help="Write the ledger only (no HTML, no figures).")
    ] = False,
    config: ConfigOption = None,
    set_: SetOption = None,
) -> None:
    """Recompute every claim of a study into ledger.csv, facts.csv and a report."""
    from rich.progress import Progress
    from rich.table import Table

    from econscope.cli._common import console
    from econscope.economies.study import run_study

    settings = settings_from(config, set_)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("claims", total=None)

        def step(section: str, done: int, total: int) -> None:
            progress.update(task, total=total, completed=done, description=f"claims: {section}")

        with _warnings_as_lines():
            result = run_study(name, out_dir, data or (), settings, progress=step)
    if not no_report:
        from econscope.report.economies import render_study_report

        console.print("report: drawing the charts", highlight=False)
        render_study_report(result)
    table = Table(
        title=f"{result.name}: {len(result.claims)} claims" + (" (reused)" if result.reused else "")
    )
    from collections import Counter

    data = Counter(c.data_verdict for c in result.claims if c.data_verdict)
    table.add_column("verdict")
    table.add_column("claims", justify="right")
    if data:
        table.add_column("against real data", justify="right")
    names = [*result.counts(), *(v for v in data if v not in result.counts())]
    for verdict in names:
        row = [verdict.replace("_", " "), str(result.counts().get(verdict, 0))]
        table.add_row(*row, *([str(data.get(verdict, 0))] if data else []))
    out.print(table)
    out.print(f"ledger: {result.ledger_path}", highlight=False)
    out.print(f"facts: {result.facts_path}", highlight=False)
    if result.report_path is not None:
        out.print(f"report: {result.report_path}", highlight=False)
