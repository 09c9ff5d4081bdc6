"""The public econscope.stats API: formulas, variances against the peers, immutability,
predictions, summaries and etable, on a user's own table and specification.

Peers: statsmodels OLS/Logit (``cov_type="HC1"``, ``"nonrobust"``, ``"cluster"``) and
pyfixest feols (``vcov="hetero"`` with a fixed effect), all on the same rows; equality to
a relative 1e-8 as the agreement tests of the three smallbiz models.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

from econscope.engine import connect
from econscope.errors import DataError
from econscope.stats import (
    TIDY_COLUMNS,
    Design,
    Factor,
    FormulaError,
    etable,
    feols,
    logit,
    stars,
)

RTOL = 1e-8


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    """300 rows of a user's own table: 40 shops, a region, two continuous regressors."""
    rng = np.random.default_rng(20261203)
    n = 300
    shop = rng.integers(0, 40, n)
    region = np.array(["north", "south", "west"])[shop % 3]
    price = rng.normal(10, 2, n)
    promo = rng.uniform(0, 1, n)
    sales = 5 + 0.8 * price - 2.0 * promo + (region == "west") + rng.normal(0, 1 + promo, n)
    bought = rng.uniform(size=n) < 1 / (1 + np.exp(-(-3 + 0.3 * price - promo)))
    batch = rng.integers(0, 12, n)  # crosses the shops: not nested in them
    return pd.DataFrame(
        {
            "batch": batch,
            "shop": [f"s{i}" for i in shop],
            "region": region,
            "price": price,
            "promo": promo,
            "sales": sales,
            "bought": bought,
        }
    )


@pytest.fixture(scope="module")
def table(frame):
    return connect().create_table("shops", frame)


def _x(frame: pd.DataFrame) -> pd.DataFrame:
    x = pd.DataFrame({"Intercept": 1.0, "price": frame["price"], "promo": frame["promo"]})
    for lv in ("south", "west"):  # base: north, the first level in sort order
        x[f"region[T.{lv}]"] = (frame["region"] == lv).astype(float)
    return x


def test_formula_parses_terms_factors_bases_and_fixed_effects():
    d = Design.from_formula("y ~ a + C(g) + C(h, base='z') | f1 + f2")
    assert d == Design("y", ("a",), (Factor("g"), Factor("h", base="z")), ("f1", "f2"))
    assert d.intercept is False  # absorbed by the fixed effects
    assert Design.from_formula("y ~ a - 1").intercept is False
    assert Design.from_formula("y ~ a", fe="f").fe == ("f",)


@pytest.mark.parametrize(
    "bad",
    ["y ~ log(a)", "y = a", "y ~ a | f | g", "y ~ a + a", "y ~ C(g, ref='x')", "y ~ a:b"],
)
def test_a_formula_outside_the_subset_is_a_formula_error_with_a_hint(bad):
    with pytest.raises(FormulaError, match="Hint:"):
        Design.from_formula(bad)


def test_a_missing_column_is_a_data_error_naming_it(table):
    with pytest.raises(DataError, match="'nope'"):
        feols(table, "sales ~ nope")


def test_ols_iid_equals_statsmodels_nonrobust(table, frame):
    import statsmodels.api as sm

    fit = feols(table, "sales ~ price + promo + C(region)")
    x = _x(frame)
    peer = sm.OLS(frame["sales"], x).fit()
    np.testing.assert_allclose(fit.coef()[x.columns], peer.params, rtol=RTOL)
    np.testing.assert_allclose(fit.se()[x.columns], peer.bse, rtol=RTOL)
    assert fit.r2 == pytest.approx(peer.rsquared, rel=RTOL)
    assert fit.vcov_type.kind == "iid"


def test_ols_hc1_equals_statsmodels_hc1(table, frame):
    import statsmodels.api as sm

    fit = feols(table, "sales ~ price + promo + C(region)", vcov="HC1")
    x = _x(frame)
    peer = sm.OLS(frame["sales"], x).fit(cov_type="HC1")
    np.testing.assert_allclose(fit.se()[x.columns], peer.bse, rtol=RTOL)
    # HC1 = n / (n - K) * HC0, K = 5 estimated coefficients
    hc0 = sm.OLS(frame["sales"], x).fit(cov_type="HC0").bse
    np.testing.assert_allclose(fit.se()[x.columns], hc0 * np.sqrt(300 / 295), rtol=RTOL)


def test_logit_hc1_and_cr1_equal_statsmodels(table, frame):
    import statsmodels.api as sm

    x = _x(frame)
    y = frame["bought"].astype(float)
    fit = logit(table, "bought ~ price + promo + C(region)", vcov="HC1")
    # statsmodels' Logit applies no small-sample factor under "HC1" (its HC1 is HC0);
    # econscope's HC1 is n / (n - K) * HC0 for every model, K = 5 here.
    peer = sm.Logit(y, x).fit(disp=0, tol=1e-12, maxiter=100, cov_type="HC0")
    np.testing.assert_allclose(fit.coef()[x.columns], peer.params, rtol=RTOL)
    np.testing.assert_allclose(fit.se()[x.columns], peer.bse * np.sqrt(300 / 295), rtol=RTOL)
    groups = {"groups": frame["shop"].factorize()[0]}
    peer = sm.Logit(y, x).fit(disp=0, tol=1e-12, maxiter=100, cov_type="cluster", cov_kwds=groups)
    np.testing.assert_allclose(fit.vcov({"CR1": "shop"}).se()[x.columns], peer.bse, rtol=RTOL)
    assert fit.loglik == pytest.approx(peer.llf, rel=RTOL)


def test_fixed_effects_hc1_equals_pyfixest_hetero(table, frame):
    import pyfixest as pf

    fit = feols(table, "sales ~ price + promo", fe="shop", vcov="HC1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = pf.feols("sales ~ price + promo | shop", data=frame, vcov="hetero")
    np.testing.assert_allclose(fit.coef(), peer.coef()[["price", "promo"]], rtol=RTOL)
    np.testing.assert_allclose(fit.se(), peer.se()[["price", "promo"]], rtol=RTOL)


def test_fixed_effects_clustered_by_a_non_nested_column_equal_pyfixest(table, frame):
    """The shop effects are not nested in the batch clusters: K counts all their levels
    (pyfixest k_fixef="nonnested"); the batch column reaches the demeaned table lazily."""
    import pyfixest as pf

    fit = feols(table, "sales ~ price + promo | shop").vcov({"CR1": "batch"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = pf.feols("sales ~ price + promo | shop", data=frame, vcov={"CRV1": "batch"})
    assert fit.n_clusters == 12
    np.testing.assert_allclose(fit.se(), peer.se()[["price", "promo"]], rtol=RTOL)


def test_vcov_returns_a_new_fit_and_leaves_the_old_one_unchanged(table):
    fit = feols(table, "sales ~ price + promo", vcov="HC1")
    se = fit.se().to_numpy().copy()
    clustered = fit.vcov({"CR1": "shop"})
    assert clustered is not fit
    assert clustered.vcov_type.label == "CR1 by shop" and fit.vcov_type.kind == "HC1"
    assert clustered.n_clusters == 40 and fit.n_clusters is None
    np.testing.assert_array_equal(fit.se(), se)
    np.testing.assert_array_equal(clustered.beta, fit.beta)  # the same estimates
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.beta = None
    with pytest.raises(ValueError, match="read-only"):
        fit.cov[0, 0] = 0.0


def test_tidy_has_the_fixed_columns_and_t_inference_on_g_minus_1_for_cr1(table):
    fit = feols(table, "sales ~ price", vcov={"CR1": "shop"})
    tidy = fit.tidy()
    assert tuple(tidy.columns) == TIDY_COLUMNS
    assert fit.df_resid == 39  # G - 1 clusters
    from scipy import stats as st

    r = tidy.set_index("term").loc["price"]
    assert r["p_value"] == pytest.approx(2 * st.t(39).sf(abs(r["statistic"])), rel=1e-12)
    q = st.t(39).ppf(0.975)
    assert r["conf_high"] - r["estimate"] == pytest.approx(q * r["std_error"], rel=1e-12)


def test_predict_is_x_beta_and_fills_means_on_request(table, frame):
    fit = feols(table, "sales ~ price + promo + C(region)")
    b = fit.coef()
    got = fit.predict({"price": 10.0, "promo": 0.5, "region": "west"})
    assert got[0] == pytest.approx(
        b["Intercept"] + 10 * b["price"] + 0.5 * b["promo"] + b["region[T.west]"], rel=1e-12
    )
    # region at its sample shares, promo at its mean: the average row's prediction at price 10
    avg = fit.predict({"price": [10.0]}, fill_means=True)[0]
    south, west = (frame["region"] == "south").mean(), (frame["region"] == "west").mean()
    hand = (
        b["Intercept"]
        + 10 * b["price"]
        + frame["promo"].mean() * b["promo"]
        + south * b["region[T.south]"]
        + west * b["region[T.west]"]
    )
    assert avg == pytest.approx(hand, rel=1e-12)
    with pytest.raises(DataError, match="promo"):
        fit.predict({"price": 10.0, "region": "west"})
    with pytest.raises(DataError, match="east"):
        fit.predict({"price": 10.0, "promo": 0.1, "region": "east"})


def test_logit_predict_is_the_logistic_of_the_index(table):
    fit = logit(table, "bought ~ price")
    b = fit.coef()
    p = fit.predict(pd.DataFrame({"price": [8.0, 12.0]}))
    eta = b["Intercept"] + b["price"] * np.array([8.0, 12.0])
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-eta)), rtol=1e-12)


def test_fixed_effects_predict_needs_the_effect_and_fixef_gives_it(table, frame):
    fit = feols(table, "sales ~ price + promo | shop")
    with pytest.raises(FormulaError, match="effect"):
        fit.predict({"price": 1.0, "promo": 0.0})
    fx = fit.fixef().execute().set_index("shop")["effect"]
    # effect of a shop = its mean sales - its mean regressors times the slopes
    g = frame.groupby("shop")[["sales", "price", "promo"]].mean()
    b = fit.coef()
    hand = g["sales"] - g["price"] * b["price"] - g["promo"] * b["promo"]
    np.testing.assert_allclose(fx.sort_index(), hand[fx.index].sort_index(), rtol=1e-10)
    got = fit.predict({"price": 10.0, "promo": 0.0}, effect=float(fx.mean()))
    assert got[0] == pytest.approx(fx.mean() + 10 * b["price"], rel=1e-12)


def test_a_users_own_design_equals_the_same_formula(table):
    d = Design("sales", ("price",), (Factor("region", base="west", label="area"),))
    fit = feols(table, d, vcov="HC1", name="mine")
    same = feols(table, "sales ~ price + C(region, base='west')", vcov="HC1")
    assert fit.terms == ("Intercept", "price", "area[T.north]", "area[T.south]")
    np.testing.assert_allclose(fit.beta, same.beta, rtol=1e-14)
    assert fit.name == "mine"


def test_rows_with_a_missing_value_are_dropped_and_counted(frame):
    f = frame.copy()
    f.loc[:9, "price"] = np.nan
    f.loc[10:14, "region"] = None
    fit = feols(connect().create_table("gaps", f), "sales ~ price + C(region)")
    assert fit.n_obs == 285 and fit.n_missing == 15  # 10 NaN prices + 5 missing regions


def test_summary_text_and_html(table):
    s = feols(table, "sales ~ price + promo", vcov={"CR1": "shop"}).summary()
    text = str(s)
    assert "Variance" in text and "CR1 by shop" in text and "Clusters" in text
    assert "price" in text and "e-" not in text  # fixed decimals, never scientific
    assert s._repr_html_().startswith("<div><h4>")


def test_etable_side_by_side_with_stars_and_fixed_decimals(table):
    a = feols(table, "sales ~ price", vcov="HC1", name="(1)")
    b = feols(table, "sales ~ price + promo", vcov={"CR1": "shop"}, name="(2)")
    c = logit(table, "bought ~ price", name="(3)")
    t = etable([a, b, c])
    assert list(t.frame.columns) == ["row", "(1)", "(2)", "(3)"]
    rows = t.frame.set_index("row")
    tidy = b.tidy().set_index("term").loc["promo"]
    assert rows.loc["promo", "(2)"] == f"{tidy['estimate']:.4f}{stars(tidy['p_value'])}"
    assert rows.loc["promo", "(1)"] == ""  # not in model (1)
    assert rows.loc["N clusters", "(2)"] == "40" and rows.loc["N clusters", "(1)"] == ""
    assert "e-0" not in str(t) and "Log-likelihood" in str(t)
    with pytest.raises(FormulaError, match="distinct label"):
        etable([a, a])


def test_feols_and_logit_run_on_every_installed_engine(con, frame):
    """The same fit on each engine of the ``con`` fixture (DuckDB; Spark where installed)
    equals statsmodels' clustered OLS and Logit."""
    import statsmodels.api as sm

    t = con.create_table("shops_engine", frame, overwrite=True)
    x = _x(frame)
    groups = {"groups": frame["shop"].factorize()[0]}
    ols = feols(t, "sales ~ price + promo + C(region)", vcov={"CR1": "shop"})
    peer = sm.OLS(frame["sales"], x).fit(cov_type="cluster", cov_kwds=groups)
    np.testing.assert_allclose(ols.coef()[x.columns], peer.params, rtol=RTOL)
    np.testing.assert_allclose(ols.se()[x.columns], peer.bse, rtol=RTOL)
    lg = logit(t, "bought ~ price + promo + C(region)", vcov={"CR1": "shop"})
    y = frame["bought"].astype(float)
    peer = sm.Logit(y, x).fit(disp=0, tol=1e-12, maxiter=100, cov_type="cluster", cov_kwds=groups)
    np.testing.assert_allclose(lg.coef()[x.columns], peer.params, rtol=RTOL)
    np.testing.assert_allclose(lg.se()[x.columns], peer.bse, rtol=RTOL)
