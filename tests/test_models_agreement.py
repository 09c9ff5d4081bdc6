"""Agreement with the peers: coefficients and firm-clustered SEs equal to a relative 1e-8.

Peers (test dependencies only): statsmodels OLS and Logit with ``cov_type="cluster"``
(LPM, logit) and pyfixest ``feols(... | firm_id, vcov={"CRV1": "firm_id"})`` (FE-LPM; it
drops singleton firms by default, ``fixef_rm="singleton"``, as econscope does). Each peer
gets the same complete rows; the pooled design matrix is built here with pandas from the
documented conventions (base industry: alphabetically first; base size class: small).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from econscope.config import Settings
from econscope.smallbiz.results.models import COVARIATE_SOURCES, fit_models
from test_models_panel import complete_rows, engine_table, synthetic_panel

RTOL = 1e-8


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return synthetic_panel()


@pytest.fixture(scope="module")
def results(panel):
    return fit_models(engine_table(panel))


def _pooled_design(df: pd.DataFrame) -> pd.DataFrame:
    x = pd.DataFrame({"Intercept": 1.0}, index=df.index)
    for term in COVARIATE_SOURCES:
        x[term] = df[term]
    for lv in sorted(df["industry"].unique())[1:]:
        x[f"industry[T.{lv}]"] = (df["industry"] == lv).astype(float)
    x["size_class[T.large]"] = (df["size_class"] == "large").astype(float)
    return x


def _ours(results, model: str) -> pd.DataFrame:
    c = results.coefficients
    return c[c["model"] == model].set_index("term")


def test_lpm_equals_statsmodels_ols_cluster(panel, results):
    import statsmodels.api as sm

    df = complete_rows(panel)
    x = _pooled_design(df)
    peer = sm.OLS(df["y"], x).fit(
        cov_type="cluster", cov_kwds={"groups": df["firm_id"].factorize()[0]}
    )
    ours = _ours(results, "lpm").loc[x.columns]
    np.testing.assert_allclose(ours["estimate"], peer.params[x.columns], rtol=RTOL)
    np.testing.assert_allclose(ours["std_error"], peer.bse[x.columns], rtol=RTOL)
    fit = results.fit.set_index("model")
    assert fit.loc["lpm", "n_obs"] == peer.nobs
    np.testing.assert_allclose(fit.loc["lpm", "r2"], peer.rsquared, rtol=RTOL)


def test_logit_equals_statsmodels_logit_cluster(panel, results):
    import statsmodels.api as sm

    df = complete_rows(panel)
    x = _pooled_design(df)
    peer = sm.Logit(df["y"], x).fit(
        disp=0,
        tol=1e-12,
        maxiter=100,
        cov_type="cluster",
        cov_kwds={"groups": df["firm_id"].factorize()[0]},
    )
    ours = _ours(results, "logit").loc[x.columns]
    np.testing.assert_allclose(ours["estimate"], peer.params[x.columns], rtol=RTOL)
    np.testing.assert_allclose(ours["std_error"], peer.bse[x.columns], rtol=RTOL)
    np.testing.assert_allclose(
        results.fit.set_index("model").loc["logit", "log_likelihood"], peer.llf, rtol=RTOL
    )


def test_fe_lpm_equals_pyfixest_crv1(panel, results):
    import pyfixest as pf

    df = complete_rows(panel)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyfixest's own notices about dropped singletons
        peer = pf.feols(
            "y ~ revenues + expenses + net_cash_flow + adb + cash_buffer_days | firm_id",
            data=df,
            vcov={"CRV1": "firm_id"},
            fixef_rm="singleton",
        )
    terms = list(COVARIATE_SOURCES)
    ours = _ours(results, "fe_lpm").loc[terms]
    np.testing.assert_allclose(ours["estimate"], peer.coef()[terms], rtol=RTOL)
    np.testing.assert_allclose(ours["std_error"], peer.se()[terms], rtol=RTOL)
    fit = results.fit.set_index("model")
    assert fit.loc["fe_lpm", "n_obs"] == peer._N
    np.testing.assert_allclose(fit.loc["fe_lpm", "r2"], peer._r2_within, rtol=1e-8)


def test_year_month_effects_equal_the_peers_with_month_dummies():
    """With results.year_month_effects the pooled models add year-month dummies (statsmodels
    gets them as columns) and the FE model two-way effects (pyfixest ``| firm_id + ym``)."""
    import pyfixest as pf
    import statsmodels.api as sm

    panel = synthetic_panel(entry_months=6, max_cycles=12)  # every month has both outcomes
    settings = Settings().with_overrides(["results.year_month_effects=true"])
    res = fit_models(engine_table(panel), settings)
    df = complete_rows(panel)
    df["ym"] = df["year"] * 100 + df["month"]
    x = _pooled_design(df)
    reported = list(x.columns)
    for lv in sorted(df["ym"].unique())[1:]:
        x[f"ym{lv}"] = (df["ym"] == lv).astype(float)
    groups = {"groups": df["firm_id"].factorize()[0]}
    ols = sm.OLS(df["y"], x).fit(cov_type="cluster", cov_kwds=groups)
    logit = sm.Logit(df["y"], x).fit(
        disp=0, tol=1e-12, maxiter=100, cov_type="cluster", cov_kwds=groups
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fe = pf.feols(
            "y ~ revenues + expenses + net_cash_flow + adb + cash_buffer_days | firm_id + ym",
            data=df,
            vcov={"CRV1": "firm_id"},
            fixef_tol=1e-11,
        )
    terms = list(COVARIATE_SOURCES)
    for model, peer, cols in (("lpm", ols, reported), ("logit", logit, reported)):
        ours = _ours(res, model).loc[cols]
        np.testing.assert_allclose(ours["estimate"], peer.params[cols], rtol=RTOL)
        np.testing.assert_allclose(ours["std_error"], peer.bse[cols], rtol=RTOL)
    ours = _ours(res, "fe_lpm").loc[terms]
    np.testing.assert_allclose(ours["estimate"], fe.coef()[terms], rtol=RTOL)
    np.testing.assert_allclose(ours["std_error"], fe.se()[terms], rtol=RTOL)
