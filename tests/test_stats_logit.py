"""IRLS: Newton steps, step-halving, convergence failures; engine passes vs NumPy."""

from __future__ import annotations

import ibis
import numpy as np
import pytest

from econscope.errors import DataError
from econscope.stats._linear import KernelDesign, fit_linear
from econscope.stats._logit import Pass, fit_logit, irls


def _numpy_logit_pass(x: np.ndarray, y: np.ndarray):
    def step(beta: np.ndarray) -> Pass:
        eta = x @ beta
        p = 1 / (1 + np.exp(-eta))
        ll = float(np.sum(y * eta - np.logaddexp(0, eta)))
        return Pass(
            ll, x.T @ (y - p), (x * (p * (1 - p))[:, None]).T @ x, float(abs(eta).max()), len(y)
        )

    return step


def test_irls_equals_statsmodels_logit_on_numpy_passes():
    import statsmodels.api as sm

    rng = np.random.default_rng(3)
    x = np.column_stack([np.ones(500), rng.normal(size=500), rng.uniform(0, 60, 500)])
    y = (rng.uniform(size=500) < 1 / (1 + np.exp(-(0.5 - 0.04 * x[:, 2])))).astype(float)
    ours = irls(_numpy_logit_pass(x, y), np.zeros(3))
    peer = sm.Logit(y, x).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(ours.beta, peer.params, rtol=1e-10)
    assert ours.last.loglik == pytest.approx(peer.llf, rel=1e-12)


def test_step_halving_rescues_an_overshooting_newton_step():
    # f(b) = -sqrt(1 + b^2) is concave with its maximum at 0. From b = 2 the full Newton step
    # is -b (1 + b^2) = -10, landing at -8 where f is lower: only halving makes progress.
    def step(beta: np.ndarray) -> Pass:
        b = beta[0]
        return Pass(
            -np.sqrt(1 + b * b),
            np.array([-b / np.sqrt(1 + b * b)]),
            np.array([[(1 + b * b) ** -1.5]]),
            0.0,
            1,
        )

    result = irls(step, np.array([2.0]))
    assert abs(result.beta[0]) < 1e-8


def test_irls_that_cannot_converge_raises_with_a_hint():
    def step(beta: np.ndarray) -> Pass:  # a linear log-likelihood: no maximum
        return Pass(float(beta[0]), np.array([1.0]), np.array([[1.0]]), 0.0, 1)

    with pytest.raises(DataError, match="did not converge"):
        irls(step, np.zeros(1), max_iter=5)


def _table(**cols):
    return ibis.memtable({k: np.asarray(v) for k, v in cols.items()})


def test_hand_checked_clustered_mean():
    # y = [1, 0, 1, 1] on an intercept, clusters a, a, b, b: beta = 0.75; residuals
    # [0.25, -0.75, 0.25, 0.25]; score sums s_a = -0.5, s_b = 0.5; meat = 0.5; bread = 1/4;
    # A M A = 0.5 / 16; CR1 = 2/1 * 3/3 = 2, so V = 1/16 and SE = 0.25.
    t = _table(g=["a", "a", "b", "b"], y=[1.0, 0.0, 1.0, 1.0])
    fit = fit_linear(t, KernelDesign(x=(), names=(), y="y", cluster="g"), "lpm")
    assert fit.beta[0] == pytest.approx(0.75, rel=1e-15)
    assert np.sqrt(2.0 * fit.meat[0, 0]) == pytest.approx(0.25, rel=1e-14)  # CR1 factor 2
    assert fit.ssr == pytest.approx(0.75, rel=1e-14)  # 3 * 0.0625 + 0.5625


def test_engine_logit_equals_numpy_irls():
    rng = np.random.default_rng(5)
    n = 400
    g = rng.integers(0, 40, n)
    c = rng.uniform(0, 60, n)
    ind = np.where(rng.uniform(size=n) < 0.5, "a", "b")
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(1 - 0.05 * c + 0.5 * (ind == "b"))))).astype(float)
    design = KernelDesign(
        x=("c",),
        names=("c",),
        y="y",
        cluster="g",
        factors=("ind",),
        bases=(None,),
        labels=("ind",),
        reported=(True,),
    )
    fit = fit_logit(_table(g=g, c=c, ind=ind, y=y), design)
    x = np.column_stack([np.ones(n), c, (ind == "b").astype(float)])
    ref = irls(_numpy_logit_pass(x, y), np.zeros(3))
    np.testing.assert_allclose(fit.beta, ref.beta, rtol=1e-10)
    assert fit.names == ("Intercept", "c", "ind[T.b]")


def test_a_dummy_level_that_never_revolves_is_refused():
    n = 200
    rng = np.random.default_rng(2)
    ind = np.where(np.arange(n) < 40, "never", "mixed")
    y = np.where(ind == "never", 0.0, (rng.uniform(size=n) < 0.5).astype(float))
    design = KernelDesign(
        x=("c",),
        names=("c",),
        y="y",
        cluster="g",
        factors=("ind",),
        bases=("mixed",),
        labels=("industry",),
        reported=(True,),
    )
    t = _table(g=np.arange(n) % 20, c=rng.normal(size=n), ind=ind, y=y)
    with pytest.raises(DataError, match=r"industry\[T.never\].*perfect separation"):
        fit_logit(t, design)


def test_the_subsample_warm_start_changes_nothing_but_the_start(monkeypatch):
    from econscope.stats import _logit as logit

    rng = np.random.default_rng(8)
    n = 3000
    c = rng.uniform(0, 60, n)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(1 - 0.05 * c)))).astype(float)
    t = _table(g=np.arange(n) % 100, c=c, y=y)
    design = KernelDesign(x=("c",), names=("c",), y="y", cluster="g")
    cold = fit_logit(t, design)
    monkeypatch.setattr(logit, "WARM_START_ROWS", 300)  # 3000 > 4 x 300: warm start
    warm = fit_logit(t, design)
    np.testing.assert_allclose(warm.beta, cold.beta, rtol=1e-10)
    np.testing.assert_allclose(warm.meat, cold.meat, rtol=1e-8)


def test_the_variance_from_the_last_irls_pass_equals_a_separate_pass(monkeypatch):
    """The likely-last pass keeps firm-and-cell sums for the clustered variance; a fit that
    never uses it (a separate variance pass) gives the same SEs."""
    from econscope.stats import _logit as logit

    rng = np.random.default_rng(9)
    n = 2000
    c = rng.uniform(0, 60, n)
    ind = np.where(rng.uniform(size=n) < 0.5, "a", "b")
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(1 - 0.05 * c)))).astype(float)
    t = _table(g=np.arange(n) % 150, c=c, ind=ind, y=y)
    design = KernelDesign(
        x=("c",),
        names=("c",),
        y="y",
        cluster="g",
        factors=("ind",),
        bases=(None,),
        labels=("ind",),
        reported=(True,),
    )
    calls = []
    real_sandwich = logit.sandwich
    monkeypatch.setattr(
        logit, "sandwich", lambda *a, **k: calls.append(1) or real_sandwich(*a, **k)
    )
    combined = fit_logit(t, design)
    assert calls == []  # the variance came from the last IRLS pass
    real_irls = logit.irls
    monkeypatch.setattr(logit, "irls", lambda *a, **k: real_irls(*a, **{**k, "final": None}))
    separate = fit_logit(t, design)
    assert calls == [1]
    np.testing.assert_allclose(combined.beta, separate.beta, rtol=1e-12)
    np.testing.assert_allclose(combined.meat, separate.meat, rtol=1e-10)
