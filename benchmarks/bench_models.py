"""Benchmark: the three models from sufficient statistics vs pyfixest, statsmodels, duckreg.

A synthetic panel of N firm-cycles (150 cycles per firm, 12 industries, 2 size classes, a
firm random effect, money in dollars) is written once to Parquet under benchmarks/.work/
(git-ignored). Each implementation then runs in a fresh process (``_harness.measure``):
reads the Parquet, fits one model with firm-clustered SEs, returns its five covariate
coefficients, which are compared across implementations.

    python -m benchmarks.bench_models                     # 10M rows, peers included
    python -m benchmarks.bench_models --rows 1000000      # while developing
    python -m benchmarks.bench_models --rows 150000000 --ours-only

The peers hold the data in memory (10-17 GiB at 10M rows): they run only when at least
``PEER_FREE_GIB`` GiB are available, else the table says they were skipped.

duckreg (compressed regressions on Ibis backends) reads the same Parquet in DuckDB and gets
the same design (the dummies as columns, since its formulas take column names only). Its
clustered standard errors are a cluster bootstrap (pandas resampling, ``n_bootstraps``
refits), not the analytic CR1 that the others compute, and its analytic HC1 for least
squares forms an N x N diagonal matrix; so it is timed for what it computes exactly: the
coefficients (LPM: ``DBRegression``; logit: ``DBLogisticRegression(method="irls")`` plus its
analytic robust variance; FE-LPM: the slopes of ``DBMundlak``, equal to the within slopes).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._harness import Measurement, measure

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / ".work"
CYCLES_PER_FIRM = 150
PEER_FREE_GIB = 20.0  # the in-memory peers take 10-17 GiB at 10M rows
TERMS = ("revenues", "expenses", "net_cash_flow", "adb", "cash_buffer_days")
FE_FORMULA = "y ~ revenues + expenses + net_cash_flow + adb + cash_buffer_days"
MODELS = ("lpm", "logit", "fe_lpm")
_MODULE = "benchmarks.bench_models"  # the measured children import it by this name


def panel_path(rows: int) -> Path:
    return WORK / f"models_panel_{rows}.parquet"


def generate(rows: int) -> Path:
    """Write the synthetic panel with DuckDB (deterministic hashes, no Python rows)."""
    import duckdb

    path = panel_path(rows)
    if path.exists():
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.parquet")
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")
    # The generator is the benchmark's fixture, not econscope code: plain SQL over range().
    # u(i, s) is a uniform in (0, 1) from a hash; z(i, s) a standard normal (Box-Muller).
    con.execute(f"""
        CREATE MACRO u(i, s) AS ((hash(i, s) % 1000003)::DOUBLE + 0.5) / 1000003;
        CREATE MACRO z(i, s) AS sqrt(-2 * ln(u(i, s))) * cos(2 * pi() * u(i, s || 'b'));
        COPY (
          WITH base AS (
            SELECT i, i // {CYCLES_PER_FIRM} AS f, i % {CYCLES_PER_FIRM} AS c
            FROM range({int(rows)}) t(i)
          ), firm AS (
            SELECT *, exp(ln(30000) + 0.8 * z(f, 'scale')) AS scale,
                   1.5 * 25 * (-ln(u(f, 'buf'))) AS buf, z(f, 'fe') AS fe,
                   (hash(f, 'ind') % 12)::INT AS ind
            FROM base
          ), flows AS (
            SELECT *, scale * exp(0.3 * z(i, 'rev')) AS revenues,
                   least(300, buf * exp(0.4 * z(i, 'bd'))) AS cash_buffer_days
            FROM firm
          ), more AS (
            SELECT *, revenues * (0.6 + 0.5 * u(i, 'exp')) AS expenses FROM flows
          )
          SELECT 'F' || f::VARCHAR AS firm_id,
                 u(i, 'rev_u') < 1 / (1 + exp(0.2 + 0.03 * cash_buffer_days - fe))
                   AS revolving,
                 revenues AS revenues_real,
                 expenses AS expenses_real,
                 revenues - expenses + 3000 * z(i, 'ncf') AS net_cash_flow_real,
                 cash_buffer_days * expenses / 30 * exp(0.2 * z(i, 'adb')) AS adb_real,
                 cash_buffer_days,
                 ['construction', 'health care services', 'high-tech services',
                  'other professional services', 'personal services',
                  'repair and maintenance', 'restaurants', 'retail', 'real estate',
                  'high-tech manufacturing', 'metal and machinery', 'wholesalers'][ind + 1]
                   AS industry,
                 CASE WHEN scale * 12 > 100000 THEN 'large' ELSE 'small' END AS size_class,
                 2010 + c // 12 AS year,
                 1 + c % 12 AS month
          FROM more
        ) TO '{tmp}' (FORMAT parquet)
    """)
    con.close()
    tmp.rename(path)
    return path


# --- the measured calls (each runs in a fresh process) --------------------------------


def ours(path: str, model: str) -> dict[str, float]:
    """econscope: read the Parquet in DuckDB and fit ``model`` from sufficient statistics."""
    from econscope.config import EngineConfig
    from econscope.engine import connect, read_table
    from econscope.smallbiz.results.models import _fit_one

    con = connect(EngineConfig())
    fit = _fit_one(read_table(con, path), model)  # type: ignore[arg-type]
    return {t: float(b) for t, b in zip(fit.terms, fit.beta, strict=True) if t in TERMS}


def duckreg(path: str, model: str) -> dict[str, float]:
    """duckreg on DuckDB: the same complete rows and design as econscope's models."""
    import duckreg as dr
    import ibis

    con = ibis.duckdb.connect()
    t = con.read_parquet(path)
    t = t.filter(t["revolving"].notnull())
    cols = {
        "firm_id": t["firm_id"],
        "y": t["revolving"].cast("float64"),
        **{
            term: t[term if term == "cash_buffer_days" else f"{term}_real"].cast("float64")
            * (1.0 if term == "cash_buffer_days" else 1e-3)
            for term in TERMS
        },
    }
    levels = sorted(t.select("industry").distinct().to_pyarrow()["industry"].to_pylist())
    dummies = {f"ind_{i}": t["industry"] == lv for i, lv in enumerate(levels) if i > 0}
    dummies["large"] = t["size_class"] == "large"
    cols.update({k: v.cast("float64") for k, v in dummies.items()})
    con.create_view("m", t.select(**cols))
    rhs = " + ".join([*TERMS, *dummies])
    if model == "lpm":
        fit = dr.DBRegression(con, "m", f"y ~ {rhs}", None, seed=1, n_bootstraps=0)
        fit.fit()
        coef = np.ravel(fit.point_estimate)[1 : 1 + len(TERMS)]
    elif model == "logit":
        fit = dr.DBLogisticRegression(con, "m", f"y ~ {rhs}", seed=1, method="irls", tol=1e-10)
        fit.fit()
        fit.fit_vcov(robust=True)
        coef = np.ravel(fit.point_estimate)[1 : 1 + len(TERMS)]
    else:
        fit = dr.DBMundlak(con, "m", "y", list(TERMS), seed=1, unit_col="firm_id", n_bootstraps=0)
        fit.fit()
        coef = np.ravel(fit.point_estimate)[1 : 1 + len(TERMS)]
    return {t: float(b) for t, b in zip(TERMS, coef, strict=True)}


def _pandas(path: str):
    import pandas as pd

    df = pd.read_parquet(path)
    df = df.dropna(subset=["revolving"])
    df["y"] = df["revolving"].astype("float64")
    for t in TERMS:
        src = "cash_buffer_days" if t == "cash_buffer_days" else f"{t}_real"
        df[t] = df[src].astype("float64") * (1.0 if t == "cash_buffer_days" else 1e-3)
    df["size_class"] = pd.Categorical(df["size_class"], categories=["small", "large"])
    return df[["firm_id", "y", *TERMS, "industry", "size_class"]]


def pyfixest(path: str, model: str) -> dict[str, float]:
    """pyfixest feols / feglm(logit) with CRV1 by firm."""
    import warnings

    import pyfixest as pf

    df = _pandas(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if model == "fe_lpm":
            fit = pf.feols(f"{FE_FORMULA} | firm_id", data=df, vcov={"CRV1": "firm_id"})
        elif model == "lpm":
            fml = f"{FE_FORMULA} + C(industry) + C(size_class)"
            fit = pf.feols(fml, data=df, vcov={"CRV1": "firm_id"})
        else:
            fml = f"{FE_FORMULA} + C(industry) + C(size_class)"
            fit = pf.feglm(fml, data=df, family="logit", vcov={"CRV1": "firm_id"})
        coef = fit.coef()
        fit.se()
    return {t: float(coef[t]) for t in TERMS}


def statsmodels(path: str, model: str) -> dict[str, float]:
    """statsmodels OLS / Logit with cov_type="cluster" on a dense design matrix."""
    import numpy as np
    import pandas as pd
    import statsmodels.api as sm

    df = _pandas(path)
    x = pd.get_dummies(df[["industry", "size_class"]], drop_first=True, dtype="float64")
    x = pd.concat([df[list(TERMS)], x], axis=1)
    x.insert(0, "Intercept", 1.0)
    groups = {"groups": df["firm_id"].factorize()[0]}
    y = df["y"].to_numpy()
    del df
    if model == "lpm":
        fit = sm.OLS(y, x).fit(cov_type="cluster", cov_kwds=groups)
    else:
        fit = sm.Logit(y, x).fit(disp=0, cov_type="cluster", cov_kwds=groups)
    np.asarray(fit.bse)
    return {t: float(fit.params[t]) for t in TERMS}


# --- the run ----------------------------------------------------------------------------


def _free_gib() -> float:
    import psutil

    return psutil.virtual_memory().available / 2**30


def _wait_for_memory(needed: float, patience: float = 180.0) -> float:
    """Available GiB once at least ``needed`` are free, or after ``patience`` seconds (other
    jobs share the machine; a peer that does not fit would take their memory)."""
    import time

    deadline = time.monotonic() + patience
    free = _free_gib()
    while free < needed and time.monotonic() < deadline:
        time.sleep(5)
        free = _free_gib()
    return free


def _max_rel(a: dict[str, float], b: dict[str, float]) -> float:
    return max(abs(a[t] - b[t]) / max(abs(b[t]), 1e-300) for t in TERMS)


def run() -> str:
    """The section of docs/performance.md: 10M firm-cycles with the peers (pyfixest,
    statsmodels, duckreg) side by side, then 150M firm-cycles with econscope alone (the
    in-memory peers cannot hold them)."""
    return section(10_000_000) + "\n" + section(150_000_000, ours_only=True, level="###")


def section(rows: int = 10_000_000, ours_only: bool = False, level: str = "##") -> str:
    """Generate (once), measure ours and the peers, return the markdown section."""
    # The measured children import this worktree's econscope, not an installed copy.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "src"), str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    path = str(generate(rows))
    lines: list[str] = []
    results: list[tuple[str, str, Measurement | None, str]] = []
    for model in MODELS:
        mine = measure(f"econscope {model}", _MODULE, "ours", path=path, model=model)
        results.append((model, "econscope (DuckDB, sufficient statistics)", mine, ""))
        peers: list[tuple[str, str]] = [("pyfixest", "pyfixest")]
        if model != "fe_lpm":
            peers.append(("statsmodels", "statsmodels"))
        peers.append(("duckreg (coefficients; SEs: bootstrap, not timed)", "duckreg"))
        for label, fn in peers:
            if ours_only:
                continue
            needed = min(PEER_FREE_GIB, 2.0 + 2.0 * rows / 1e6)
            free = _wait_for_memory(needed)
            if free < needed:
                note = f"skipped: {free:.0f} GiB free < {needed:.0f} GiB needed"
                results.append((model, label, None, note))
                continue
            try:
                m = measure(f"{label} {model}", _MODULE, fn, path=path, model=model)
            except RuntimeError as exc:  # out of memory, or a peer's own failure
                results.append((model, label, None, f"failed: {str(exc).splitlines()[-1]}"))
                continue
            diff = _max_rel(m.value, mine.value)
            speed = m.seconds / mine.seconds
            mem = m.peak_mib / mine.peak_mib
            pace = f"{speed:.1f}x slower" if speed >= 1 else f"{1 / speed:.1f}x faster"
            results.append(
                (model, label, m, f"{pace}, {mem:.1f}x memory; coef rel diff {diff:.1e}")
            )
    lines.append(
        f"{level} Models: LPM, logit and FE-LPM with firm-clustered SEs ({rows:,} firm-cycles)\n"
    )
    lines.append(
        f"Synthetic panel of {rows:,} firm-cycles ({rows // CYCLES_PER_FIRM:,} firms x "
        f"{CYCLES_PER_FIRM} cycles, 12 industries, 2 size classes) in Parquet. Each row is one "
        "fresh process that reads the Parquet and fits one model with SEs clustered by firm "
        "(econscope: `_fit_one`, the per-model part of `fit_models`, on DuckDB with all "
        "cores; peers: pandas in memory). The last column compares each peer with econscope: "
        "time and peak-memory ratios and the largest relative difference of the five "
        "covariate coefficients."
        + (" The in-memory peers are not run at this size." if ours_only else "")
        + "\n"
    )
    lines.append("| model | implementation | wall s | peak MiB | vs econscope |")
    lines.append("| --- | --- | ---: | ---: | --- |")
    for model, label, m, note in results:
        if m is None:
            lines.append(f"| {model} | {label} | - | - | {note} |")
        else:
            lines.append(f"| {model} | {label} | {m.seconds:,.1f} | {m.peak_mib:,.0f} | {note} |")
    return "\n".join(lines) + "\n"


def _args(argv: list[str] | None = None) -> Any:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--ours-only", action="store_true")
    return parser.parse_args(argv)


if __name__ == "__main__":
    a = _args()
    print(section(a.rows, a.ours_only))
