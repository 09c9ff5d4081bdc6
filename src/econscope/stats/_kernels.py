"""Pure NumPy kernels on the small matrices of a regression (private).

Shapes: ``p`` is the number of parameters, ``r`` the number of reported ones (the
first ``r``; the rest are nuisance dummies such as year-month effects).

>>> xtx = np.array([[2.0, 3.0], [3.0, 5.0]])    # X = [[1, 1], [1, 2]]
>>> xty = np.array([4.0, 7.0])                  # y = [1, 3]
>>> solve(xtx, xty).round(12).tolist()          # y = -1 + 2 x exactly
[-1.0, 2.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "CrossProducts",
    "Inference",
    "assemble",
    "cell_dummies",
    "cluster_correction",
    "collinear_columns",
    "factor_levels",
    "inference",
    "outer_from_frame",
    "solve",
]

#: A column is linearly dependent on earlier ones when its residual variance, relative to
#: its own, is below this (after scaling to unit diagonal). pyfixest's collin_tol is 1e-9.
COLLINEAR_TOL = 1e-9
#: Under the within transformation a column with no within-firm variation keeps only
#: rounding noise (about 1e-32 of its raw sum of squares); real regressors keep far more.
WITHIN_TOL = 1e-14


@dataclass(frozen=True)
class CrossProducts:
    """``xtx`` (p x p), ``xty`` (p,), ``yty`` (scalar) and ``n`` rows."""

    xtx: np.ndarray
    xty: np.ndarray
    yty: float
    n: int


def factor_levels(
    frame: pd.DataFrame, factors: Sequence[str], bases: Sequence[object]
) -> tuple[tuple[object, ...], ...]:
    """Per factor, its levels present in the cell table, sorted, without the base level
    (the first level in sort order when the base is ``None`` or absent)."""
    out = []
    for f, base in zip(factors, bases, strict=True):
        present = sorted(frame[f].unique().tolist())
        drop = base if base in present else (present[0] if present else None)
        out.append(tuple(lv for lv in present if lv != drop))
    return tuple(out)


def cell_dummies(
    frame: pd.DataFrame, factors: Sequence[str], levels: Sequence[Sequence[object]]
) -> np.ndarray:
    """The dummy row (q,) of each cell: a (cells x q) 0/1 matrix, factors in order.

    >>> f = pd.DataFrame({"g": ["a", "b", "c"]})
    >>> cell_dummies(f, ["g"], [("b", "c")]).tolist()
    [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]
    """
    blocks = [
        (frame[f].to_numpy()[:, None] == np.array(lv, dtype=object)[None, :]).astype(float)
        for f, lv in zip(factors, levels, strict=True)
    ]
    return np.hstack(blocks) if blocks else np.zeros((len(frame), 0))


def assemble(frame: pd.DataFrame, k: int, dummies: np.ndarray, intercept: bool) -> CrossProducts:
    """X'X and X'y from cell sums (:func:`~econscope.stats._suffstats.cell_sums`).

    The row of a design is ``[1, c (k), d (q)]`` (``1`` only with ``intercept``) with ``d``
    the cell's dummies (``dummies``, cells x q). Per cell the engine gave ``s0 = sum w``,
    ``s (k) = sum w c``, ``S (k x k) = sum w c c'``, ``t0 = sum v``, ``t (k) = sum v c``;
    then X'WX = sum over cells of [[s0, s', s0 d'], [s, S, s d'], [s0 d, d s', s0 d d']] and
    X'v = sum over cells of [t0, t, t0 d].

    >>> f = pd.DataFrame({"n": [2], "s0": [2.0], "s_0": [3.0], "s_0_0": [5.0],
    ...                   "t0": [3.0], "t_0": [5.0], "yy": [5.0]})   # x = 1, 2; y = 1, 2
    >>> assemble(f, 1, np.zeros((1, 0)), True).xtx.tolist()
    [[2.0, 3.0], [3.0, 5.0]]
    """
    s0 = frame["s0"].to_numpy(dtype=float)
    t0 = frame["t0"].to_numpy(dtype=float)
    s1 = (
        np.column_stack([frame[f"s_{i}"].to_numpy(dtype=float) for i in range(k)])
        if k
        else (np.zeros((len(frame), 0)))
    )
    t1 = (
        np.column_stack([frame[f"t_{i}"].to_numpy(dtype=float) for i in range(k)])
        if k
        else (np.zeros((len(frame), 0)))
    )
    s2 = np.zeros((k, k))
    for i in range(k):
        for j in range(i, k):
            s2[i, j] = s2[j, i] = float(frame[f"s_{i}_{j}"].sum())
    d = dummies
    q = d.shape[1]
    p = 1 + k + q
    xtx = np.zeros((p, p))
    xtx[0, 0] = s0.sum()
    xtx[0, 1 : 1 + k] = s1.sum(axis=0)
    xtx[1 : 1 + k, 1 : 1 + k] = s2
    xtx[0, 1 + k :] = d.T @ s0
    xtx[1 : 1 + k, 1 + k :] = s1.T @ d
    xtx[1 + k :, 1 + k :] = d.T @ (s0[:, None] * d)
    xtx = np.triu(xtx) + np.triu(xtx, 1).T
    xty = np.concatenate([[t0.sum()], t1.sum(axis=0), d.T @ t0])
    yty = float(frame["yy"].sum()) if "yy" in frame else float("nan")
    n = int(frame["n"].sum())
    if not intercept:
        return CrossProducts(xtx[1:, 1:], xty[1:], yty, n)
    return CrossProducts(xtx, xty, yty, n)


def outer_from_frame(frame: pd.DataFrame, r: int) -> np.ndarray:
    """The r x r matrix ``sum_g u_g u_g'`` from ``cluster_outer_sums`` output (one row)."""
    m = np.zeros((r, r))
    for i in range(r):
        for j in range(i, r):
            m[i, j] = m[j, i] = float(frame[f"uu_{i}_{j}"].iloc[0])
    return m


def collinear_columns(
    xtx: np.ndarray, raw_ss: np.ndarray | None = None, tol: float = COLLINEAR_TOL
) -> list[int]:
    """Indices of columns to drop, in order, so that the rest has full rank.

    A column is dropped when it has no variation left (zero diagonal, or, when ``raw_ss``
    gives each column's sum of squares before a within transformation, less than
    :data:`WITHIN_TOL` of it), or when its residual after projecting on the earlier kept
    columns is below ``tol`` of its own scaled variance (a sequential Cholesky on the unit-
    diagonal matrix, as pyfixest does).

    >>> collinear_columns(np.array([[1.0, 2.0], [2.0, 4.0]]))   # column 1 = 2 x column 0
    [1]
    """
    p = xtx.shape[0]
    d = np.diag(xtx).copy()
    drop: list[int] = []
    for j in range(p):
        floor = WITHIN_TOL * raw_ss[j] if raw_ss is not None else 0.0
        if not d[j] > floor:
            drop.append(j)
    keep: list[int] = []
    scale = np.sqrt(np.where(d > 0, d, 1.0))
    s = xtx / np.outer(scale, scale)
    for j in range(p):
        if j in drop:
            continue
        if keep:
            sk = s[np.ix_(keep, keep)]
            v = s[keep, j]
            resid = s[j, j] - v @ np.linalg.solve(sk, v)
        else:
            resid = s[j, j]
        if resid < tol:
            drop.append(j)
        else:
            keep.append(j)
    return sorted(drop)


def solve(xtx: np.ndarray, xty: np.ndarray) -> np.ndarray:
    """``(X'X)^-1 X'y`` solved after scaling X'X to unit diagonal (equilibration).

    Scaling makes the condition number that of the correlation matrix, not of raw dollar
    scales, so the normal equations keep the accuracy the peers' QR solves reach.
    """
    scale = np.sqrt(np.diag(xtx))
    s = xtx / np.outer(scale, scale)
    return np.linalg.solve(s, xty / scale) / scale


def inverse(xtx: np.ndarray) -> np.ndarray:
    """``(X'X)^-1`` through the same equilibration as :func:`solve` (the bread)."""
    scale = np.sqrt(np.diag(xtx))
    s = xtx / np.outer(scale, scale)
    inv: np.ndarray = np.linalg.inv(s) / np.outer(scale, scale)
    sym: np.ndarray = (inv + inv.T) / 2
    return sym


def cluster_correction(n_obs: int, n_params: int, n_clusters: int) -> float:
    """The CR1 small-sample factor ``G / (G - 1) * (N - 1) / (N - K)``.

    statsmodels ``cov_type="cluster"`` (OLS and Logit) and pyfixest ``CRV1`` with default
    ``ssc()`` use this; under firm fixed effects nested in the firm clusters, K counts
    only the slopes (pyfixest ``k_fixef="nonnested"``).

    >>> round(cluster_correction(101, 2, 11), 12)    # 11/10 * 100/99
    1.111111111111
    """
    if n_clusters < 2 or n_obs <= n_params:
        return float("nan")
    return n_clusters / (n_clusters - 1) * (n_obs - 1) / (n_obs - n_params)


@dataclass(frozen=True)
class Inference:
    """Per-term inference, each array of shape (r,): estimate, std_error, statistic,
    p_value, conf_low, conf_high (95%); ``distribution`` is "t" or "normal"."""

    estimate: np.ndarray
    std_error: np.ndarray
    statistic: np.ndarray
    p_value: np.ndarray
    conf_low: np.ndarray
    conf_high: np.ndarray
    distribution: str
    df: float | None


def inference(
    estimate: np.ndarray, vcov: np.ndarray, df: float | None = None, level: float = 0.95
) -> Inference:
    """Standard errors, t (``df`` given) or z statistics, two-sided p-values, intervals.

    >>> r = inference(np.array([2.0]), np.array([[1.0]]))
    >>> float(r.statistic[0]), round(float(r.p_value[0]), 6)   # z = 2, 2 (1 - Phi(2))
    (2.0, 0.0455)
    """
    from scipy import stats  # imported here: scipy.stats alone takes ~0.7 s to import

    se = np.sqrt(np.diag(vcov))
    stat = estimate / se
    dist = stats.t(df) if df is not None else stats.norm()
    p = 2 * dist.sf(np.abs(stat))
    q = dist.ppf(0.5 + level / 2)
    return Inference(
        estimate=estimate,
        std_error=se,
        statistic=stat,
        p_value=p,
        conf_low=estimate - q * se,
        conf_high=estimate + q * se,
        distribution="t" if df is not None else "normal",
        df=df,
    )


def names_kept(names: Sequence[str], drop: Sequence[int]) -> list[str]:
    """``names`` without the positions in ``drop``."""
    gone = set(drop)
    return [n for i, n in enumerate(names) if i not in gone]
