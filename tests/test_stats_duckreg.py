"""Agreement with duckreg (compressed regressions on Ibis backends), on every estimator it
shares with econscope.stats, to a relative 1e-8.

What duckreg has, and so what is compared (duckreg 0.4):
- ``DBRegression`` (least squares): coefficients, and its analytic ``fit_vcov`` (HC1,
  ``n / (n - K)``, from per-stratum residual sums) against ``feols(..., vcov="HC1")``.
- ``DBLogisticRegression(method="irls")``: coefficients; ``fit_vcov()`` (the inverse
  information) against ``logit(..., vcov="iid")``; ``fit_vcov(robust=True)`` (sandwich
  of per-stratum scores, no small-sample factor: HC0 when rows are distinct) against
  econscope's HC1 times ``sqrt((n - K) / n)``.
- ``DBMundlak``: its slopes on x (y on 1, x and the unit means of x) equal the within
  (firm fixed effects) slopes exactly, by Frisch-Waugh-Lovell: x less its unit mean is
  orthogonal to every unit-level column.

Not compared: clustered standard errors. duckreg's are a cluster bootstrap (random draws,
``n_bootstraps`` of them), not the analytic CR1, so no two runs agree to 1e-8; nor do its
Mundlak standard errors (bootstrap) equal the within model's.
"""

from __future__ import annotations

import duckreg  # a peer: in the dev extra, like statsmodels and pyfixest
import numpy as np
import pandas as pd
import pytest

from econscope.engine import connect
from econscope.stats import feols, logit

RTOL = 1e-8


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    """200 rows, 25 firms, two continuous regressors and a 0/1 dummy (distinct rows, so
    duckreg's compression keeps every row)."""
    rng = np.random.default_rng(11)
    n = 200
    firm = rng.integers(0, 25, n)
    x1 = rng.normal(0, 1, n) + 0.1 * firm
    x2 = rng.uniform(0, 5, n)
    d = (firm % 2).astype(float)
    y = 1 + 0.5 * x1 - 0.3 * x2 + 0.4 * d + 0.05 * firm + rng.normal(0, 1, n)
    b = (rng.uniform(size=n) < 1 / (1 + np.exp(-(0.3 * x1 - 0.2 * x2 + d)))).astype(float)
    return pd.DataFrame({"firm": firm, "x1": x1, "x2": x2, "d": d, "y": y, "b": b})


@pytest.fixture(scope="module")
def con(frame):
    c = connect()
    c.create_table("t", frame)
    return c


def test_least_squares_coefficients_and_hc1_equal_duckreg(con):
    peer = duckreg.DBRegression(con, "t", "y ~ x1 + x2 + d", None, seed=1, n_bootstraps=0)
    peer.fit()
    peer.fit_vcov()
    ours = feols(con.table("t"), "y ~ x1 + x2 + d", vcov="HC1")
    np.testing.assert_allclose(ours.beta, peer.point_estimate, rtol=RTOL)
    np.testing.assert_allclose(ours.se(), np.sqrt(np.diag(peer.vcov)), rtol=RTOL)


def test_logit_coefficients_and_variances_equal_duckreg(con, frame):
    peer = duckreg.DBLogisticRegression(
        con, "t", "b ~ x1 + x2 + d", seed=1, method="irls", tol=1e-14
    )
    peer.fit()
    ours = logit(con.table("t"), "b ~ x1 + x2 + d")
    np.testing.assert_allclose(ours.beta, peer.point_estimate, rtol=RTOL)
    np.testing.assert_allclose(ours.cov, peer.fit_vcov(), rtol=RTOL)  # inverse information
    n, k = len(frame), 4
    hc0 = np.sqrt(np.diag(peer.fit_vcov(robust=True)))
    np.testing.assert_allclose(ours.vcov("HC1").se() * np.sqrt((n - k) / n), hc0, rtol=RTOL)


def test_within_slopes_equal_duckreg_mundlak(con):
    peer = duckreg.DBMundlak(con, "t", "y", ["x1", "x2"], seed=1, unit_col="firm", n_bootstraps=0)
    peer.fit()
    ours = feols(con.table("t"), "y ~ x1 + x2", fe="firm")
    # point_estimate: Intercept, x1, x2, avg_x1_unit, avg_x2_unit
    np.testing.assert_allclose(ours.beta, np.ravel(peer.point_estimate)[1:3], rtol=RTOL)
