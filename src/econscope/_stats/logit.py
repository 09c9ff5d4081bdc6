"""Logit by IRLS (Newton) with one engine pass per iteration (private).

Each pass returns the log-likelihood, the score ``X'(y - p)`` and the information
``X' W X`` at the current coefficients; the Newton step is solved in NumPy. A step that
lowers the log-likelihood is halved (up to 30 times). Separation shows as linear
predictors running off to infinity: a dummy level whose outcome never varies is refused
before the first pass, and a fit whose largest |eta| exceeds 30 warns.

>>> def quadratic(beta):  # log-likelihood -(b - 1)^2 / 2: one Newton step finds b = 1
...     return Pass(-0.5 * (beta[0] - 1) ** 2, np.array([1 - beta[0]]), np.eye(1), 0.0, 1)
>>> irls(quadratic, np.zeros(1)).beta.tolist()
[1.0]
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import ibis.expr.types as ir
import numpy as np

from econscope._stats import kernels, suffstats
from econscope._stats.linear import Design, LinearFit, reduce, sandwich
from econscope.errors import DataError, EconscopeWarning

__all__ = ["IrlsResult", "Pass", "fit_logit", "irls"]

MAX_ABS_ETA = 30.0


@dataclass(frozen=True)
class Pass:
    """One pass at ``beta`` (p,): ``loglik``, ``score`` (p,), ``information`` (p, p),
    ``max_abs_eta`` and ``n`` rows."""

    loglik: float
    score: np.ndarray
    information: np.ndarray
    max_abs_eta: float
    n: int


@dataclass(frozen=True)
class IrlsResult:
    """``beta`` (p,) at convergence, the last ``pass_`` (taken at ``beta``), ``iterations``."""

    beta: np.ndarray
    last: Pass
    iterations: int


def irls(
    step: Callable[[np.ndarray], Pass],
    start: np.ndarray,
    *,
    tol: float = 1e-10,
    max_iter: int = 50,
    model: str = "logit",
) -> IrlsResult:
    """Newton-Raphson on the log-likelihood with step-halving.

    Converged when the largest coefficient change, relative to ``max(|beta|, 1)``, is
    below ``tol``; the information of the last pass is then at the final coefficients.
    """
    beta = np.asarray(start, dtype=float)
    cur = step(beta)
    for iteration in range(1, max_iter + 1):
        delta = kernels.solve(cur.information, cur.score)
        new_beta = beta + delta
        new = step(new_beta)
        halvings = 0
        while not new.loglik >= cur.loglik - 1e-12 * abs(cur.loglik):
            halvings += 1
            if halvings > 30:
                raise DataError(
                    f"{model}: IRLS could not increase the log-likelihood",
                    hint="check for separation (a regressor that predicts the outcome perfectly)",
                )
            delta = delta / 2
            new_beta = beta + delta
            new = step(new_beta)
        beta, cur = new_beta, new
        if np.max(np.abs(delta) / np.maximum(np.abs(beta), 1.0)) < tol:
            return IrlsResult(beta, cur, iteration)
    raise DataError(
        f"{model}: IRLS did not converge in {max_iter} iterations",
        hint="check for separation (a regressor that predicts the outcome perfectly)",
    )


def fit_logit(table: ir.Table, design: Design, model: str = "logit") -> LinearFit:
    """Logit of ``design.y`` on the design with firm-clustered variance.

    The columns are screened for collinearity and dummy separation on the cross products
    (one pass), then IRLS runs one aggregation pass per iteration.
    """
    k = len(design.x)
    frame = suffstats.cross_products(table, list(design.x), design.y, by=design.by).execute()
    cp, levels = kernels.assemble(frame, k, design.by, design.base)
    if cp.n == 0:
        raise DataError(f"{model}: no rows to estimate on", hint="check the sample filters")
    xtx, _, dense, kept_levels, dropped = reduce(cp, design, levels, model)
    _check_dummy_separation(cp, design, levels, model)
    x = [design.x[j] for j in dense]
    r = len(dense)
    off = "_eta_off"

    def one_pass(beta: np.ndarray) -> Pass:
        offsets = None
        if design.by is not None:
            offsets = {
                design.base: [0.0],
                **{lv: [beta[r + a]] for a, lv in enumerate(kept_levels)},
            }
        t = suffstats.with_offsets(table, design.by, offsets, [off])
        f = suffstats.logit_pass(t, x, design.y, beta[:r], off, by=design.by).execute()
        info, _ = kernels.assemble(f.assign(yy=0.0), r, design.by, design.base)
        keep_rows = _level_positions(levels, kept_levels, design.by, info)
        return Pass(
            loglik=float(f["loglik"].sum()),
            score=info.xty[keep_rows],
            information=info.xtx[np.ix_(keep_rows, keep_rows)],
            max_abs_eta=float(f["max_abs_eta"].max()),
            n=int(f["n"].sum()),
        )

    ybar = cp.xty[0] / cp.n if design.names[0] == "Intercept" else 0.0
    start = np.zeros(xtx.shape[0])
    if design.names[0] == "Intercept" and 0 < ybar < 1:
        start[0] = np.log(ybar / (1 - ybar))
    result = irls(one_pass, start, model=model)
    if result.last.max_abs_eta > MAX_ABS_ETA:
        warnings.warn(
            f"{model}: some fitted probabilities are numerically 0 or 1 (|eta| up to "
            f"{result.last.max_abs_eta:.0f}); the data may be quasi-separated",
            EconscopeWarning,
            stacklevel=3,
        )
    bread = kernels.inverse(result.last.information)
    meat, n_clusters, _ = sandwich(table, design, dense, kept_levels, result.beta, bread, "logit")
    p = len(result.beta)
    vcov = kernels.cluster_correction(cp.n, p, n_clusters) * meat
    return LinearFit(
        names=tuple(design.names[j] for j in dense),
        beta=result.beta[:r],
        vcov=vcov,
        levels=tuple(kept_levels),
        level_beta=result.beta[r:],
        n_obs=cp.n,
        n_clusters=n_clusters,
        n_params=p,
        dropped=tuple(dropped),
        ssr=float("nan"),
        yty=cp.yty,
        sum_y=float(cp.xty[0]),
        loglik=result.last.loglik,
        iterations=result.iterations,
    )


def _level_positions(
    levels: list[object], kept_levels: list[object], by: str | None, info: kernels.CrossProducts
) -> list[int]:
    r = info.xtx.shape[0] - len(levels)
    return list(range(r)) + [r + levels.index(lv) for lv in kept_levels]


def _check_dummy_separation(
    cp: kernels.CrossProducts, design: Design, levels: list[object], model: str
) -> None:
    """Refuse a dummy whose level has only 0s or only 1s: its coefficient is infinite."""
    if design.names[0] != "Intercept":
        return
    k = len(design.x)
    names = list(design.names) + [f"{design.by_label}[T.{lv}]" for lv in levels]
    for j, name in enumerate(names):
        if "[T." not in name:
            continue
        count = cp.xtx[0, j] if j >= k else cp.xtx[0, j]
        ones = cp.xty[j]
        if count > 0 and (ones == 0 or ones == count):
            raise DataError(
                f"{model}: every row with {name} has the same outcome "
                f"({'never' if ones == 0 else 'always'} revolving): perfect separation",
                hint="merge that level with another, or drop those rows before fitting",
            )
