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

import contextlib
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import ibis.expr.types as ir
import numpy as np
import pandas as pd

import econscope.stats._kernels as kernels
import econscope.stats._suffstats as suffstats
from econscope.errors import DataError, EconscopeWarning
from econscope.stats._linear import (
    KernelDesign,
    LinearFit,
    Prepared,
    bread_outer,
    cell_intercepts,
    expand,
    finish,
    prepare,
    sandwich,
)

__all__ = ["IrlsResult", "Pass", "fit_logit", "irls"]

MAX_ABS_ETA = 30.0
#: Above 4x this many rows, IRLS first converges on a random subsample of about this size.
WARM_START_ROWS = 200_000
WARM_START_SEED = 20240601


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
    """``beta`` (p,) at convergence, the ``last`` pass (taken one negligible Newton step
    before ``beta``), and the number of Newton ``iterations``."""

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
    final: Callable[[np.ndarray], Pass] | None = None,
    final_below: float | None = None,
) -> IrlsResult:
    """Newton-Raphson on the log-likelihood with step-halving.

    Converged when the next Newton step would move the linear predictor by less than
    ``tol`` in weighted root mean square (``delta' H delta / n < tol^2``, the Newton
    decrement per row). That step is then taken without another pass: the information of
    the last pass is within ~``tol`` of the one at the returned coefficients, and Newton's
    quadratic convergence leaves an error of order ``tol^2`` in them. When the decrement
    is below ``final_below`` (default ``tol / 3``: Newton squares it, times a constant
    seen below 10, so the next one is most likely under ``tol^2``), ``final`` (if given)
    runs the next pass instead of ``step``: a pass that also keeps what the variance needs.
    """
    final_below = tol / 3 if final_below is None else final_below
    beta = np.asarray(start, dtype=float)
    cur = step(beta)
    for iteration in range(1, max_iter + 1):
        delta = kernels.solve(cur.information, cur.score)
        if float(delta @ cur.information @ delta) / max(cur.n, 1) < tol * tol:
            return IrlsResult(beta + delta, cur, iteration)
        new_beta = beta + delta
        likely_last = (
            final is not None
            and float(delta @ cur.information @ delta) / max(cur.n, 1) < final_below
        )
        new = (final if likely_last and final is not None else step)(new_beta)
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
    raise DataError(
        f"{model}: IRLS did not converge in {max_iter} iterations",
        hint="check for separation (a regressor that predicts the outcome perfectly)",
    )


def fit_logit(table: ir.Table, design: KernelDesign, model: str = "logit") -> LinearFit:
    """Logit of ``design.y`` on the design; with ``design.cluster``, also the clustered
    meat (usually from the last IRLS pass, with no further scan).

    The columns are screened for collinearity and dummy separation on the least-squares
    cell sums (one pass), then IRLS runs one aggregation pass per iteration: the rows are
    joined to their cell's constant (intercept plus dummy coefficients) and summed by cell.
    It starts from least squares (scaled) or, on large tables, from the optimum on a random
    subsample of :data:`WARM_START_ROWS` rows (cheap passes), so that only three or four
    full passes remain.
    """
    prep = prepare(table, design, model)
    _check_dummy_separation(prep, design, model)
    keep = list(prep.keep)
    p = prep.cp.xtx.shape[0]
    k = len(design.x)
    lead = 1 if design.intercept else 0

    x = list(design.x)
    levels = kernels.factor_levels(prep.frame, design.factors, design.bases)

    def with_eta_offset(source: ir.Table, beta_kept: np.ndarray) -> tuple[ir.Table, np.ndarray]:
        beta = expand(beta_kept, keep, p)
        consts = {"_eta_off": cell_intercepts(prep, design, beta)}
        return suffstats.with_cell_constants(source, design.factors, prep.cells, consts), beta

    def from_cells(f: pd.DataFrame) -> Pass:
        dummies = kernels.cell_dummies(f, design.factors, levels)
        cp = kernels.assemble(f, k, dummies, design.intercept)
        return Pass(
            loglik=float(f["loglik"].sum()),
            score=cp.xty[keep],
            information=cp.xtx[np.ix_(keep, keep)],
            max_abs_eta=float(f["max_abs_eta"].max()),
            n=cp.n,
        )

    def one_pass(beta_kept: np.ndarray, source: ir.Table = table) -> Pass:
        t, beta = with_eta_offset(source, beta_kept)
        f = suffstats.logit_cell_sums(
            t, x, design.y, beta[lead : lead + k], "_eta_off", design.factors
        ).execute()
        return from_cells(f)

    # The likely-last pass sums by firm and cell (materialised: about G rows without
    # year-month dummies) so the clustered variance needs no further scan of the rows.
    kept = _Kept()
    cluster = design.cluster
    keys = [cluster, *design.factors] if cluster is not None else list(design.factors)

    def final_pass(beta_kept: np.ndarray) -> Pass:
        t, beta = with_eta_offset(table, beta_kept)
        fc = suffstats.logit_cell_sums(
            t, x, design.y, beta[lead : lead + k], "_eta_off", keys, residuals=True
        ).cache()
        kept.release()
        aggs = {c: fc[c].sum() for c in fc.columns if c not in keys and c != "max_abs_eta"}
        aggs["max_abs_eta"] = fc["max_abs_eta"].max()
        by_cell = fc.group_by(list(design.factors)) if design.factors else None
        f = (by_cell.aggregate(**aggs) if by_cell is not None else fc.aggregate(**aggs)).execute()
        kept.table, kept.last = fc, from_cells(f)
        return kept.last

    start = _start_from_least_squares(prep, keep, design.intercept)
    if prep.cp.n > 4 * WARM_START_ROWS:
        # Newton from a subsample's optimum needs two or three full passes fewer; the
        # subsample only moves the start, the full-data iterations decide the result.
        # Materialised once (a few MB), so its passes do not rescan the table.
        sub = table.sample(WARM_START_ROWS / prep.cp.n, seed=WARM_START_SEED).cache()
        # A failure there (e.g. a dummy level absent from the subsample) keeps the start.
        with contextlib.suppress(DataError, np.linalg.LinAlgError):
            start = irls(lambda b: one_pass(b, sub), start, tol=1e-6, model=model).beta
        sub.release()
    # Without nuisance dummies; with year-month ones the firm-and-cell table has ~N rows.
    final = final_pass if cluster is not None and all(design.reported) else None
    result = irls(one_pass, start, model=model, final=final)
    if result.last.max_abs_eta > MAX_ABS_ETA:
        warnings.warn(
            f"{model}: some fitted probabilities are numerically 0 or 1 (|eta| up to "
            f"{result.last.max_abs_eta:.0f}), as R's glm would also say: rows with extreme "
            "covariate values (e.g. very large cash buffer days), or quasi-separation",
            EconscopeWarning,
            stacklevel=3,
        )
    beta = expand(result.beta, keep, p)
    bread = expand(kernels.inverse(result.last.information), keep, p)
    if cluster is None:
        kept.release()
        return finish(
            prep,
            design,
            beta,
            bread,
            None,
            0,
            float("nan"),
            loglik=result.last.loglik,
            iterations=result.iterations,
        )
    if kept.table is not None and kept.last is result.last:
        fc = kept.table
        scores = fc.select(
            *keys,
            _se=fc["t0"],
            _ee=fc["_ee"],
            **{f"_sc_{j}": fc[f"t_{j}"] for j in range(k)},
        )
        meat, _, n_clusters, ssr = bread_outer(scores, design, prep, bread, cluster)
    else:
        meat, _, n_clusters, ssr = sandwich(table, design, prep, beta, bread, "logit", cluster)
    kept.release()
    return finish(
        prep,
        design,
        beta,
        bread,
        meat,
        n_clusters,
        ssr,
        loglik=result.last.loglik,
        iterations=result.iterations,
    )


class _Kept:
    """The materialised firm-and-cell sums of the likely-last IRLS pass, and that pass."""

    def __init__(self) -> None:
        self.table: ir.Table | None = None
        self.last: Pass | None = None

    def release(self) -> None:
        if self.table is not None:
            self.table.release()
            self.table = None


def _start_from_least_squares(prep: Prepared, keep: list[int], intercept: bool) -> np.ndarray:
    """Start values from the LPM on the same cross products, scaled by 1 / (ybar (1 - ybar))
    (Amemiya's approximation of logit by least squares); the intercept then puts the
    prediction at the mean on logit(ybar). Saves one or two IRLS passes."""
    xtx = prep.cp.xtx[np.ix_(keep, keep)]
    ybar = prep.cp.xty[0] / prep.cp.n if intercept else 0.5
    if not 0 < ybar < 1:
        return np.zeros(len(keep))
    beta = kernels.solve(xtx, prep.cp.xty[keep]) / (ybar * (1 - ybar))
    if intercept:
        means = xtx[0] / prep.cp.n
        beta[0] = np.log(ybar / (1 - ybar)) - beta[1:] @ means[1:]
    return beta


def _check_dummy_separation(prep: Prepared, design: KernelDesign, model: str) -> None:
    """Refuse a dummy whose level has only 0s or only 1s: its coefficient is infinite."""
    if not design.intercept:
        return
    for j in prep.keep:
        name = prep.all_names[j]
        if "[T." not in name:
            continue
        count, ones = prep.cp.xtx[0, j], prep.cp.xty[j]
        if count > 0 and (ones == 0 or ones == count):
            raise DataError(
                f"{model}: every row with {name} has the same outcome "
                f"({'never' if ones == 0 else 'always'} revolving): perfect separation",
                hint="merge that level with another, or drop those rows before fitting",
            )
