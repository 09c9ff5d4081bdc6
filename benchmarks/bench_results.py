"""Benchmark: the result tables (fig02-fig07, fig10-fig12, tabA1) from a panel.

A synthetic panel in the DESIGN.md schema (firms x monthly statements) is written to
Parquet once per size; each measurement reads it in a fresh process. econscope computes
all ten tables as Ibis expressions on DuckDB (the firm-month table materialised once in
the engine, then every table from it); the peer is pandas computing fig02 alone (the
firm-month collapse, the monthly share and the exact median), from the same file.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks._harness import measure

SIZES = ((20_000, 60), (100_000, 60))  # firms, months -> 1.2M and 6M statements
INDUSTRIES = ("construction", "retail", "restaurants", "health care services")


def make_panel(path: str, firms: int, months: int, seed: int = 7) -> int:
    """Write a panel-shaped Parquet file; returns its row count."""
    rng = np.random.default_rng(seed)
    n = firms * months
    firm = np.repeat(np.arange(firms), months)
    m = np.tile(np.arange(months), firms)
    month_start = (np.datetime64("2018-01", "M") + m).astype("datetime64[D]")
    dates = month_start + rng.integers(0, 28, n)
    propensity = rng.random(firms)[firm]
    revolving = rng.random(n) < propensity * 0.7
    unknown = m == months - 1
    balance = rng.gamma(2.0, 4_000.0, n)
    adb = rng.gamma(2.0, 15_000.0, n)
    buffer_days = rng.gamma(2.0, 15.0, n)
    revenue = rng.lognormal(11.5, 1.0, firms)[firm]
    ids = np.char.add("F", np.char.zfill(firm.astype(str), 8))
    table = pa.table(
        {
            "firm_id": pa.array(ids),
            "card_id": pa.array(np.char.add("C", ids)),
            "statement_date": pa.array(dates.astype("datetime64[D]")),
            "revolving": pa.array(revolving, mask=unknown),
            "revolving_balance_real": pa.array(np.where(revolving, balance * 0.4, 0.0)),
            "statement_balance_real": pa.array(balance),
            "adb_real": pa.array(adb),
            "cash_buffer_days": pa.array(buffer_days),
            # the buffer-days denominator, consistent with adb / buffer days on average
            "avg_daily_outflows_real": pa.array(adb / buffer_days * rng.lognormal(0, 0.2, n)),
            "industry": pa.array(np.array(INDUSTRIES)[firm % len(INDUSTRIES)]),
            "annual_revenue_real": pa.array(revenue),
            "size_class": pa.array(np.where(revenue > 100_000, "large", "small")),
        }
    )
    pq.write_table(table, path)
    return int(n)


def econscope_tables(path: str) -> int:
    """All ten tables on DuckDB; returns the number of result rows."""
    from econscope.engine import connect, read_table
    from econscope.smallbiz.results.figures import result_tables

    con = connect()
    panel = read_table(con, path)
    tables = result_tables(panel, cache=True)
    return sum(con.to_pyarrow(expr).num_rows for expr in tables.values())


def econscope_fig02(path: str) -> int:
    from econscope.engine import connect, read_table
    from econscope.smallbiz.results.figures import fig02

    con = connect()
    return con.to_pyarrow(fig02(read_table(con, path))).num_rows


def pandas_fig02(path: str) -> int:
    import pandas as pd

    cols = ["firm_id", "statement_date", "revolving", "revolving_balance_real"]
    df = pd.read_parquet(path, columns=cols)
    df["month"] = pd.to_datetime(df["statement_date"]).dt.to_period("M")
    known = df[df["revolving"].notna()].copy()
    known["revolving"] = known["revolving"].astype(bool)
    fm = known.groupby(["firm_id", "month"]).agg(
        revolving=("revolving", "any"),
        balance=("revolving_balance_real", "max"),
    )
    share = fm.groupby("month")["revolving"].agg(["mean", "size"])
    med = fm[fm["revolving"]].groupby("month")["balance"].median()
    return len(share) + len(med)


def _args(path: str, firms: int, months: int) -> dict[str, object]:
    return {"path": path, "firms": firms, "months": months}


def run() -> str:
    lines = [
        "## Result tables (fig02-fig12, tabA1) from the panel",
        "",
        "A synthetic panel (firms x monthly statements, DESIGN.md columns) in Parquet. "
        "econscope: all ten panel-based tables (Ibis on DuckDB, exact medians); "
        "econscope fig02 alone; pandas fig02 alone (firm-month collapse, share, exact "
        "median) as the peer.",
        "",
        "| statements | what | wall s | peak MiB |",
        "| --- | --- | --- | --- |",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for firms, months in SIZES:
            path = str(Path(tmp) / f"panel_{firms}.parquet")
            # Written in a child process too: on Linux a child's peak RSS starts from its
            # parent's (vfork + exec), so a big parent would inflate every measurement.
            n = measure(
                "data", "benchmarks.bench_results", "make_panel", **_args(path, firms, months)
            ).value
            for label, fn in (
                ("econscope, all 10 tables", "econscope_tables"),
                ("econscope, fig02", "econscope_fig02"),
                ("pandas, fig02", "pandas_fig02"),
            ):
                r = measure(label, "benchmarks.bench_results", fn, path=path)
                lines.append(f"| {n:,} | {label} | {r.seconds:,.1f} | {r.peak_mib:,.0f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
