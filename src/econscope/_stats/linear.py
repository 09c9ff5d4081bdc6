"""Least squares with firm-clustered variance from engine-side sufficient statistics.

Two engine passes: cross products (X'X, X'y, y'y; per level of ``by`` when a factor enters
as dummies), then the per-cluster sums of the influence ``A x_i e_i`` (A the bread rows of
the reported terms) aggregated in-engine to r x r. The solve is NumPy on p x p.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import ibis.expr.types as ir
import numpy as np

from econscope._stats import kernels, suffstats
from econscope.errors import DataError, EconscopeWarning

__all__ = ["Design", "LinearFit", "fit_linear", "sandwich"]


@dataclass(frozen=True)
class Design:
    """What enters a model: ``x`` dense column names (in ``table``), ``names`` their term
    names, optional factor ``by`` whose non-``base`` levels enter as dummies (named
    ``by_label[T.level]``), ``raw_ss`` (k,) sums of squares before a within transformation
    (for the collinearity floor), ``cluster``, and ``extra_params`` absorbed parameters
    the small-sample correction counts besides the p solved here (pyfixest's ``df_k``:
    1 for firm effects nested in the firm clusters, plus one per other absorbed level)."""

    x: tuple[str, ...]
    names: tuple[str, ...]
    y: str
    cluster: str
    by: str | None = None
    base: object | None = None
    by_label: str = "year_month"
    raw_ss: tuple[float, ...] | None = None
    extra_params: int = 0


@dataclass(frozen=True)
class LinearFit:
    """A fitted model. ``names`` (r,) reported terms; ``beta`` (r,); ``vcov`` (r, r)
    clustered covariance with the CR1 correction; ``levels`` (q,) dummy levels of ``by``
    with ``level_beta`` (q,) (base level: 0); ``n_params`` p counted in the correction;
    ``dropped`` terms removed as collinear; ``ssr`` sum of squared residuals (LPM) and
    ``yty`` sum of y^2; ``loglik`` (logit)."""

    names: tuple[str, ...]
    beta: np.ndarray
    vcov: np.ndarray
    levels: tuple[object, ...]
    level_beta: np.ndarray
    n_obs: int
    n_clusters: int
    n_params: int
    dropped: tuple[str, ...]
    ssr: float
    yty: float
    sum_y: float
    loglik: float = float("nan")
    iterations: int = 0


def reduce(
    cp: kernels.CrossProducts, design: Design, levels: list[object], model: str
) -> tuple[np.ndarray, np.ndarray, list[int], list[object], list[str]]:
    """Drop collinear columns (warning for each) and return the reduced X'X, X'y, kept
    dense indices, kept levels and dropped term names."""
    k = len(design.x)
    raw = None
    if design.raw_ss is not None:
        raw = np.concatenate([np.asarray(design.raw_ss), np.zeros(len(levels))])
    drop = kernels.collinear_columns(cp.xtx, raw)
    all_names = list(design.names) + [f"{design.by_label}[T.{lv}]" for lv in levels]
    dropped = [all_names[j] for j in drop]
    for name in dropped:
        warnings.warn(
            f"{model}: term {name!r} is collinear with the other regressors "
            "(or has no variation within firms) and was dropped",
            EconscopeWarning,
            stacklevel=4,
        )
    keep = [j for j in range(cp.xtx.shape[0]) if j not in set(drop)]
    if not keep:
        raise DataError(f"{model}: no regressor left after dropping collinear terms")
    xtx = cp.xtx[np.ix_(keep, keep)]
    xty = cp.xty[keep]
    dense = [j for j in keep if j < k]
    kept_levels = [levels[j - k] for j in keep if j >= k]
    return xtx, xty, dense, kept_levels, dropped


def sandwich(
    table: ir.Table,
    design: Design,
    dense: Sequence[int],
    levels: Sequence[object],
    beta: np.ndarray,
    bread: np.ndarray,
    link: str,
) -> tuple[np.ndarray, int, float]:
    """``A M A'`` for the dense terms, uncorrected, with the cluster count and sum e^2.

    ``beta`` and ``bread`` (p x p) are over the kept columns, dense first then levels.
    The residual is ``y - eta`` (``link="identity"``) or ``y - 1/(1+exp(-eta))``
    (``"logit"``); the per-row influence ``A_r x_i`` adds a per-level constant for the
    dummies, joined from a small table.
    """
    r = len(dense)
    x = [design.x[j] for j in dense]
    off_names = ["_fit_off"] + [f"_u{i}_off" for i in range(r)]
    offsets = None
    if design.by is not None:
        offsets = {design.base: [0.0] * (r + 1)}
        for a, lv in enumerate(levels):
            offsets[lv] = [beta[r + a]] + [bread[i, r + a] for i in range(r)]
    t = suffstats.with_offsets(table, design.by, offsets, off_names)
    eta = suffstats.linear_combination(t, x, beta[:r], "_fit_off")
    if link == "logit":
        resid = t[design.y] - 1.0 / (1.0 + (-eta).exp())
    else:
        resid = t[design.y] - eta
    t = t.mutate(
        _e=resid,
        **{
            f"_u{i}": suffstats.linear_combination(t, x, bread[i, :r], f"_u{i}_off")
            for i in range(r)
        },
    )
    frame = suffstats.cluster_outer_sums(
        t, design.cluster, [f"_u{i}" for i in range(r)], "_e"
    ).execute()
    return (
        kernels.outer_from_frame(frame, r),
        int(frame["n_clusters"].iloc[0]),
        float(frame["ee"].iloc[0]),
    )


def fit_linear(table: ir.Table, design: Design, model: str) -> LinearFit:
    """Least squares of ``design.y`` on the design, variance clustered by ``design.cluster``."""
    k = len(design.x)
    frame = suffstats.cross_products(table, list(design.x), design.y, by=design.by).execute()
    cp, levels = kernels.assemble(frame, k, design.by, design.base)
    if cp.n == 0:
        raise DataError(f"{model}: no rows to estimate on", hint="check the sample filters")
    xtx, xty, dense, kept_levels, dropped = reduce(cp, design, levels, model)
    beta = kernels.solve(xtx, xty)
    bread = kernels.inverse(xtx)
    meat, n_clusters, ssr = sandwich(table, design, dense, kept_levels, beta, bread, "identity")
    p = xtx.shape[0] + design.extra_params
    vcov = kernels.cluster_correction(cp.n, p, n_clusters) * meat
    r = len(dense)
    sum_y = float(frame["xy_0"].sum()) if design.names[0] == "Intercept" else float("nan")
    return LinearFit(
        names=tuple(design.names[j] for j in dense),
        beta=beta[:r],
        vcov=vcov,
        levels=tuple(kept_levels),
        level_beta=beta[r:],
        n_obs=cp.n,
        n_clusters=n_clusters,
        n_params=p,
        dropped=tuple(dropped),
        ssr=ssr,
        yty=cp.yty,
        sum_y=sum_y,
    )
