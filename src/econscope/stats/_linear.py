"""Least squares with firm-clustered variance from engine-side sufficient statistics.

Two engine passes: per-cell sums (assembled into X'X, X'y, y'y in NumPy), then the
per-cluster sums of the influence ``A_r x_i e_i`` (``A_r`` the bread rows of the reported
terms), aggregated in-engine to r x r. The solve is NumPy on p x p.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import ibis.expr.types as ir
import numpy as np
import pandas as pd

import econscope.stats._kernels as kernels
import econscope.stats._suffstats as suffstats
from econscope.errors import DataError, EconscopeWarning

__all__ = [
    "KernelDesign",
    "LinearFit",
    "Link",
    "Prepared",
    "bread_outer",
    "fit_linear",
    "hetero",
    "prepare",
    "residual_ss",
    "sandwich",
]

#: The inverse link: the identity (least squares) or the logistic function.
Link = Literal["identity", "logit"]

#: Up to this many rows (so at most as many clusters) the per-cluster sums (G x r) come to
#: NumPy for the outer products, a smaller query; beyond, the engine aggregates them to
#: r x r itself, so nothing of size G leaves it.
IN_MEMORY_MAX_ROWS = 200_000


@dataclass(frozen=True)
class KernelDesign:
    """What enters a model, lowered for the kernels (the public, user-facing specification
    is :class:`econscope.stats.Design`; ``_fit`` lowers one into this).

    ``x`` continuous columns of the table and ``names`` their terms (k each); an
    ``Intercept`` when ``intercept``; ``factors`` categorical columns whose non-base levels
    (``bases``) enter as dummies named ``<label>[T.<level>]`` (``labels``), reported when
    ``reported`` (unreported factors must come last: their dummies are nuisance
    parameters); ``cluster`` the cluster column; ``raw_ss`` (k,) sums of squares of ``x``
    before a within transformation (the floor below which a column counts as constant);
    ``extra_params`` absorbed parameters that the small-sample correction counts besides
    the p solved here (pyfixest's ``df_k``: 1 for firm effects nested in the clusters; one
    per year-month level more for two-way effects, less the one shared constant).
    """

    x: tuple[str, ...]
    names: tuple[str, ...]
    y: str
    cluster: str | None = None
    intercept: bool = True
    factors: tuple[str, ...] = ()
    bases: tuple[object, ...] = ()
    labels: tuple[str, ...] = ()
    reported: tuple[bool, ...] = ()
    raw_ss: tuple[float, ...] | None = None
    extra_params: int = 0


@dataclass(frozen=True)
class Prepared:
    """The first pass of a model: ``frame`` the cell sums, ``cells`` the factor values of
    each cell, ``dummies`` (cells x q), ``cp`` the full cross products, ``all_names`` (p,),
    ``keep`` the column indices kept after the collinearity check, ``reported`` (p,) flags,
    ``dropped`` term names."""

    frame: pd.DataFrame
    cells: dict[str, list[object]]
    dummies: np.ndarray
    cp: kernels.CrossProducts
    all_names: tuple[str, ...]
    keep: tuple[int, ...]
    reported: tuple[bool, ...]
    dropped: tuple[str, ...]


@dataclass(frozen=True)
class LinearFit:
    """A fitted model (before the small-sample correction of its variance).

    Reported terms: ``names`` (r,), ``beta`` (r,), ``rep`` their column indices. All p
    columns: ``all_names``, ``all_beta`` (0 for dropped columns), ``all_means``
    (estimation-sample means, dummies as shares; NaN without an intercept) and ``bread``
    (p, p; zero rows and columns at dropped terms). ``meat`` (r, r) is ``A_r M A_r'``
    without small-sample correction when the design has a cluster (else ``None``), with
    ``n_clusters`` clusters and ``ssr`` the sum of squared residuals (NaN without a
    cluster pass). ``n_kept`` columns were estimated; ``dropped`` the terms removed as
    collinear; ``yty`` sum of y², ``sum_y`` (least squares); ``loglik`` and
    ``iterations`` (logit); ``prep`` the first pass (the cells, for later variance passes).
    """

    names: tuple[str, ...]
    beta: np.ndarray
    rep: tuple[int, ...]
    all_names: tuple[str, ...]
    all_beta: np.ndarray
    all_means: np.ndarray
    bread: np.ndarray
    meat: np.ndarray | None
    n_obs: int
    n_clusters: int
    n_kept: int
    dropped: tuple[str, ...]
    ssr: float
    yty: float
    sum_y: float
    prep: Prepared
    loglik: float = float("nan")
    iterations: int = 0


def prepare(table: ir.Table, design: KernelDesign, model: str) -> Prepared:
    """Cell sums (one engine pass), X'X and X'y, and the collinearity screen."""
    frame = suffstats.cell_sums(table, list(design.x), design.y, design.factors).execute()
    if frame.empty or int(frame["n"].sum()) == 0:
        raise DataError(f"{model}: no rows to estimate on", hint="check the sample filters")
    levels = kernels.factor_levels(frame, design.factors, design.bases)
    dummies = kernels.cell_dummies(frame, design.factors, levels)
    cp = kernels.assemble(frame, len(design.x), dummies, design.intercept)
    names = ["Intercept"] if design.intercept else []
    names += list(design.names)
    reported = [True] * len(names)
    for label, lv, rep in zip(design.labels, levels, design.reported, strict=True):
        names += [f"{label}[T.{v}]" for v in lv]
        reported += [rep] * len(lv)
    raw = None
    if design.raw_ss is not None:
        raw = np.zeros(len(names))
        lead = 1 if design.intercept else 0
        raw[lead : lead + len(design.x)] = design.raw_ss
    drop = set(kernels.collinear_columns(cp.xtx, raw))
    dropped = tuple(names[j] for j in sorted(drop))
    for name in dropped:
        warnings.warn(
            f"{model}: term {name!r} is collinear with the other regressors "
            "(or has no variation within firms) and was dropped",
            EconscopeWarning,
            stacklevel=4,
        )
    keep = tuple(j for j in range(len(names)) if j not in drop)
    if not keep:
        raise DataError(f"{model}: no regressor left after dropping collinear terms")
    cells = {f: frame[f].tolist() for f in design.factors}
    return Prepared(frame, cells, dummies, cp, tuple(names), keep, tuple(reported), dropped)


def expand(values: np.ndarray, keep: Sequence[int], p: int) -> np.ndarray:
    """A (p,) or (p, p) array with ``values`` at the kept positions and 0 elsewhere."""
    idx = np.asarray(keep)
    if values.ndim == 1:
        out = np.zeros(p)
        out[idx] = values
        return out
    out = np.zeros((p, p))
    out[np.ix_(idx, idx)] = values
    return out


def cell_intercepts(prep: Prepared, design: KernelDesign, coef: np.ndarray) -> np.ndarray:
    """Per cell, the part of ``x' coef`` that is constant in the cell (intercept + dummies)."""
    k = len(design.x)
    lead = 1 if design.intercept else 0
    const = np.full(len(prep.frame), coef[0] if design.intercept else 0.0)
    out: np.ndarray = const + prep.dummies @ coef[lead + k :]
    return out


def sandwich(
    table: ir.Table,
    design: KernelDesign,
    prep: Prepared,
    beta: np.ndarray,
    bread: np.ndarray,
    link: Link,
    cluster: str,
) -> tuple[np.ndarray, list[int], int, float]:
    """``A_r M A_r'`` (uncorrected) for the reported kept terms, clustered by ``cluster``,
    their indices, the number of clusters and the sum of squared residuals.

    ``beta`` (p,) and ``bread`` (p, p) are full-size (zeros at dropped columns). The
    residual is ``y - eta`` (``link="identity"``) or ``y - 1/(1+exp(-eta))`` (``"logit"``).
    """
    k = len(design.x)
    lead = 1 if design.intercept else 0
    x = list(design.x)
    t = suffstats.with_cell_constants(
        table, design.factors, prep.cells, {"_eta_off": cell_intercepts(prep, design, beta)}
    )
    eta = suffstats.linear_combination(t, x, beta[lead : lead + k], "_eta_off")
    resid = t[design.y] - _mean(eta, link)
    scores = suffstats.residual_scores(t, [cluster, *design.factors], x, resid)
    return bread_outer(scores, design, prep, bread, cluster)


def _mean(eta: ir.NumericValue, link: Link) -> ir.NumericValue:
    return 1.0 / (1.0 + (-eta).exp()) if link == "logit" else eta


def hetero(
    table: ir.Table,
    design: KernelDesign,
    prep: Prepared,
    beta: np.ndarray,
    bread: np.ndarray,
    link: Link,
) -> tuple[np.ndarray, float]:
    """``sum_i (A_r x_i e_i)(A_r x_i e_i)'`` (uncorrected, r x r) and the sum of squared
    residuals, in one aggregation pass: each row's influence on the r reported terms is
    formed in the engine (its cell's constants joined from a small table) and only the
    r (r + 1) / 2 sums of products leave it."""
    k = len(design.x)
    lead = 1 if design.intercept else 0
    x = list(design.x)
    rep = [j for j in prep.keep if prep.reported[j]]
    consts = {"_eta_off": cell_intercepts(prep, design, beta)}
    consts.update(
        {f"_u{i}_off": cell_intercepts(prep, design, bread[j]) for i, j in enumerate(rep)}
    )
    t = suffstats.with_cell_constants(table, design.factors, prep.cells, consts)
    eta = suffstats.linear_combination(t, x, beta[lead : lead + k], "_eta_off")
    t = t.mutate(_e=t[design.y] - _mean(eta, link))
    t = t.mutate(
        **{
            f"_u{i}": (suffstats.linear_combination(t, x, bread[j, lead : lead + k], f"_u{i}_off"))
            * t["_e"]
            for i, j in enumerate(rep)
        }
    )
    aggs: dict[str, ir.Scalar] = {"ee": (t["_e"] * t["_e"]).sum()}
    for r in range(len(rep)):
        for s in range(r, len(rep)):
            aggs[f"uu_{r}_{s}"] = (t[f"_u{r}"] * t[f"_u{s}"]).sum()
    frame = t.aggregate(**aggs).execute()
    return kernels.outer_from_frame(frame, len(rep)), float(frame["ee"].iloc[0])


def residual_ss(
    table: ir.Table, design: KernelDesign, prep: Prepared, beta: np.ndarray, link: Link
) -> float:
    """The sum of squared residuals at ``beta`` (one aggregation pass)."""
    k = len(design.x)
    lead = 1 if design.intercept else 0
    t = suffstats.with_cell_constants(
        table, design.factors, prep.cells, {"_eta_off": cell_intercepts(prep, design, beta)}
    )
    eta = suffstats.linear_combination(t, list(design.x), beta[lead : lead + k], "_eta_off")
    e = t[design.y] - _mean(eta, link)
    return float(t.aggregate(ee=(e * e).sum()).execute()["ee"].iloc[0])


def bread_outer(
    scores: ir.Table, design: KernelDesign, prep: Prepared, bread: np.ndarray, cluster: str
) -> tuple[np.ndarray, list[int], int, float]:
    """The meat from residual sums per cluster and cell (``_se``, ``_sc_j``, ``_ee``).

    Per row only e and c e were summed; the bread rows ``A_r x_i = A_r,c c_i + (cell
    constant)`` are applied per cluster and cell: ``u_r = A_r,c . sum(c e) + const_r .
    sum(e)``, then summed by cluster and multiplied out (in NumPy up to
    :data:`IN_MEMORY_MAX_ROWS` rows, else in the engine).
    """
    k = len(design.x)
    lead = 1 if design.intercept else 0
    rep = [j for j in prep.keep if prep.reported[j]]
    consts = {f"_u{i}_off": cell_intercepts(prep, design, bread[j]) for i, j in enumerate(rep)}
    s = suffstats.with_cell_constants(scores, design.factors, prep.cells, consts)
    sc = [f"_sc_{j}" for j in range(k)]
    s = s.mutate(
        **{
            f"_u{i}": suffstats.linear_combination(s, sc, bread[j, lead : lead + k])
            + s[f"_u{i}_off"] * s["_se"]
            for i, j in enumerate(rep)
        }
    )
    u = [f"_u{i}" for i in range(len(rep))]
    if prep.cp.n <= IN_MEMORY_MAX_ROWS:
        per = suffstats.cluster_sums(s, cluster, u, "_ee").execute()
        ug = per[[f"u_{i}" for i in range(len(rep))]].to_numpy(dtype=float)
        return ug.T @ ug, rep, len(per), float(per["_ee"].sum())
    frame = suffstats.cluster_outer_sums(s, cluster, u, "_ee").execute()
    n_clusters = int(frame["n_clusters"].iloc[0])
    return kernels.outer_from_frame(frame, len(rep)), rep, n_clusters, float(frame["ee"].iloc[0])


def finish(
    prep: Prepared,
    design: KernelDesign,
    beta: np.ndarray,
    bread: np.ndarray,
    meat: np.ndarray | None,
    n_clusters: int,
    ssr: float,
    loglik: float = float("nan"),
    iterations: int = 0,
) -> LinearFit:
    """Package the fit (the small-sample correction is the caller's: it depends on the
    variance asked for)."""
    cp = prep.cp
    rep = tuple(j for j in prep.keep if prep.reported[j])
    means = cp.xtx[0] / cp.n if design.intercept else np.full(len(beta), np.nan)
    return LinearFit(
        names=tuple(prep.all_names[j] for j in rep),
        beta=_frozen(beta[list(rep)]),
        rep=rep,
        all_names=prep.all_names,
        all_beta=_frozen(beta),
        all_means=_frozen(means),
        bread=_frozen(bread),
        meat=None if meat is None else _frozen(meat),
        n_obs=cp.n,
        n_clusters=n_clusters,
        n_kept=len(prep.keep),
        dropped=prep.dropped,
        ssr=ssr,
        yty=cp.yty,
        sum_y=float(cp.xty[0]) if design.intercept else float("nan"),
        prep=prep,
        loglik=loglik,
        iterations=iterations,
    )


def _frozen(a: np.ndarray) -> np.ndarray:
    out = np.array(a, dtype=float)
    out.setflags(write=False)
    return out


def fit_linear(table: ir.Table, design: KernelDesign, model: str) -> LinearFit:
    """Least squares of ``design.y`` on the design; with ``design.cluster``, also the
    clustered meat (one more pass)."""
    prep = prepare(table, design, model)
    keep = list(prep.keep)
    xtx = prep.cp.xtx[np.ix_(keep, keep)]
    p = prep.cp.xtx.shape[0]
    beta = expand(kernels.solve(xtx, prep.cp.xty[keep]), keep, p)
    bread = expand(kernels.inverse(xtx), keep, p)
    if design.cluster is None:
        return finish(prep, design, beta, bread, None, 0, float("nan"))
    meat, _, n_clusters, ssr = sandwich(
        table, design, prep, beta, bread, "identity", design.cluster
    )
    return finish(prep, design, beta, bread, meat, n_clusters, ssr)
