"""fit_models, prediction_tables and regression_table: schemas, accounting, conventions."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

from econscope.config import Settings
from econscope.errors import DataError, EconscopeWarning
from econscope.smallbiz.results.models import COVARIATE_SOURCES, fit_models, prediction_tables
from econscope.smallbiz.tables import MODEL_COLUMNS, MODEL_FIT_COLUMNS, MODEL_LABELS, MODELS, TABLES
from test_models_panel import complete_rows, engine_table, synthetic_panel


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return synthetic_panel(n_firms=200, seed=7)


@pytest.fixture(scope="module")
def results(panel):
    return fit_models(engine_table(panel))


@pytest.fixture(scope="module")
def tables(results):
    return prediction_tables(results, None)


def test_results_are_immutable(results):
    with pytest.raises(dataclasses.FrozenInstanceError):
        results.fe_mean_effect = 0.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        results.lpm.beta = None
    with pytest.raises(TypeError):
        results.fe_industry_effect["retail"] = 0.0
    with pytest.raises(ValueError, match="read-only"):
        results.lpm.beta[0] = 0.0
    before = results.coefficients["estimate"].to_numpy().copy()
    copy = results.coefficients
    copy["estimate"] = 0.0  # a copy: the results do not change
    np.testing.assert_array_equal(results.coefficients["estimate"].to_numpy(), before)


def test_tables_have_the_published_columns(results):
    assert tuple(results.coefficients.columns) == MODEL_COLUMNS
    assert tuple(results.fit.columns) == MODEL_FIT_COLUMNS
    assert results.fit["model"].tolist() == list(MODELS)


def test_terms_and_base_levels(results, panel):
    lpm = results.coefficients.query("model == 'lpm'")["term"].tolist()
    industries = sorted(panel["industry"].unique())
    assert lpm[:6] == ["Intercept", *COVARIATE_SOURCES]
    assert lpm[6:17] == [f"industry[T.{i}]" for i in industries[1:]]  # base: first in order
    assert lpm[17:] == ["size_class[T.large]"]  # base: small
    fe = results.coefficients.query("model == 'fe_lpm'")["term"].tolist()
    assert fe == list(COVARIATE_SOURCES)


def test_rows_dropped_are_counted(results, panel):
    complete = complete_rows(panel)
    assert results.rows.rows_in == len(panel)
    assert results.rows.dropped_missing_outcome == panel["revolving"].isna().sum()
    assert results.rows.dropped_missing_outcome + results.rows.dropped_missing_covariate == len(
        panel
    ) - len(complete)
    singletons = complete.groupby("firm_id").size()
    assert results.rows.dropped_singletons == (singletons == 1).sum()
    fit = results.fit.set_index("model")
    assert fit.loc["lpm", "n_obs"] == len(complete)
    assert fit.loc["lpm", "n_firms"] == complete["firm_id"].nunique()
    assert fit.loc["fe_lpm", "n_obs"] == len(complete) - (singletons == 1).sum()


def test_a_covariate_constant_within_firms_is_dropped_from_the_fe_model_with_a_warning():
    p = synthetic_panel(n_firms=80, seed=11)
    p["adb_real"] = p.groupby("firm_id")["adb_real"].transform("mean")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = fit_models(engine_table(p))
    messages = [str(w.message) for w in caught if issubclass(w.category, EconscopeWarning)]
    assert any("fe_lpm" in m and "'adb'" in m for m in messages)
    assert "adb" not in res.coefficients.query("model == 'fe_lpm'")["term"].tolist()
    assert "adb" in res.coefficients.query("model == 'lpm'")["term"].tolist()


def test_a_missing_panel_column_is_a_data_error_naming_it(panel):
    with pytest.raises(DataError, match="cash_buffer_days"):
        fit_models(engine_table(panel.drop(columns=["cash_buffer_days"])))


def test_prediction_tables_have_the_registry_schemas(tables, results):
    for name in ("fig08", "fig09"):
        assert tuple(tables[name].columns) == TABLES[name].columns
        assert (tables[name]["measure"] == "predicted_probability").all()
        assert not tables[name]["suppressed"].any()
    grid = Settings().results.buffer_days_grid_max
    assert tables["fig08"].groupby("model").size().to_dict() == dict.fromkeys(MODELS, grid + 1)


def test_lpm_prediction_is_linear_in_buffer_days_with_the_estimated_slope(tables, results):
    lpm = tables["fig08"].query("model == 'lpm'").set_index("cash_buffer_days")["value"]
    slope = results.coefficients.query("model == 'lpm' and term == 'cash_buffer_days'")
    assert lpm[60] - lpm[0] == pytest.approx(60 * slope["estimate"].iloc[0], rel=1e-12)


def test_lpm_prediction_at_zero_days_is_the_hand_computed_mean_prediction(tables, results, panel):
    # Intercept + sum beta_j * mean_j (industry and size dummies at their sample shares),
    # with cash_buffer_days = 0; the means recomputed here with pandas.
    df = complete_rows(panel)
    coef = results.coefficients.query("model == 'lpm'").set_index("term")["estimate"]
    value = coef["Intercept"]
    for term in COVARIATE_SOURCES:
        value += coef[term] * (0.0 if term == "cash_buffer_days" else df[term].mean())
    for term in coef.index:
        if term.startswith("industry[T."):
            value += coef[term] * (df["industry"] == term[11:-1]).mean()
    value += coef["size_class[T.large]"] * (df["size_class"] == "large").mean()
    got = tables["fig08"].query("model == 'lpm' and cash_buffer_days == 0")["value"].iloc[0]
    assert got == pytest.approx(value, rel=1e-10)


def test_logit_prediction_is_the_logistic_of_the_linear_index(tables, results):
    f = tables["fig08"].query("model == 'logit'").set_index("cash_buffer_days")["value"]
    slope = results.coefficients.query("model == 'logit' and term == 'cash_buffer_days'")
    b = slope["estimate"].iloc[0]
    logit = np.log(f / (1 - f))
    assert logit[30] - logit[0] == pytest.approx(30 * b, rel=1e-9)


def test_fig09_industry_gap_in_the_lpm_is_the_difference_of_dummies(tables, results):
    f = tables["fig09"].query("model == 'lpm'").set_index("industry")["value"]
    coef = results.coefficients.query("model == 'lpm'").set_index("term")["estimate"]
    gap = f["retail"] - f["construction"]  # construction is the base level
    assert gap == pytest.approx(coef["industry[T.retail]"], rel=1e-10)


def test_fig09_counts_the_firms_of_each_industry(tables, panel):
    df = complete_rows(panel)
    lpm = tables["fig09"].query("model == 'lpm'").set_index("industry")["n_firms"]
    assert lpm.to_dict() == df.groupby("industry")["firm_id"].nunique().to_dict()
    multi = df.groupby("firm_id").filter(lambda g: len(g) > 1)
    fe = tables["fig09"].query("model == 'fe_lpm'").set_index("industry")["n_firms"]
    assert fe.to_dict() == multi.groupby("industry")["firm_id"].nunique().to_dict()


def test_mean_firm_effect_equals_pyfixest_fixef_averaged_over_firms(results, panel):
    """The firm effect is ybar_g - xbar_g' beta (exactly, with pyfixest's beta); pyfixest's
    own fixef() recovers it iteratively (LSQR), so it agrees to its tolerance only."""
    import pyfixest as pf

    df = complete_rows(panel)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fe = pf.feols(
            "y ~ revenues + expenses + net_cash_flow + adb + cash_buffer_days | firm_id",
            data=df,
            vcov={"CRV1": "firm_id"},
        )
        lsqr = pd.Series(fe.fixef()["C(firm_id)"])
    multi = df.groupby("firm_id").filter(lambda g: len(g) > 1)
    firm = multi.groupby("firm_id")[["y", *COVARIATE_SOURCES]].mean()
    exact = firm["y"] - firm[list(COVARIATE_SOURCES)] @ fe.coef()[list(COVARIATE_SOURCES)]
    assert results.fe_mean_effect == pytest.approx(exact.mean(), rel=1e-9)
    assert results.fe_mean_effect == pytest.approx(lsqr.mean(), rel=1e-6)
    industry = multi.groupby("firm_id")["industry"].first()
    for name, value in exact.groupby(industry).mean().items():
        assert results.fe_industry_effect[name] == pytest.approx(value, rel=1e-9)


def test_the_etable_has_a_column_per_model_and_the_fit_rows(results):
    table = results.etable().frame
    assert list(table.columns) == ["row", *(MODEL_LABELS[m] for m in MODELS)]  # the registry
    rows = table["row"].tolist()
    assert rows[0] == "Intercept" and rows[1] == ""  # the SE row below its estimate
    assert table.iloc[1][MODEL_LABELS["lpm"]].startswith("(")
    for label in (
        "N observations",
        "N clusters",
        "R² (within with fixed effects)",
        "Log-likelihood",
    ):
        assert label in rows
    fe_row = table.set_index("row").loc["Intercept"]
    assert fe_row[MODEL_LABELS["fe_lpm"]] == ""  # absorbed by the firm effects


def test_large_samples_aggregate_the_cluster_outer_products_in_the_engine(panel, monkeypatch):
    """Above IN_MEMORY_MAX_ROWS the G x r score sums never leave the engine; same SEs."""
    from econscope.stats import _linear as linear

    small = fit_models(engine_table(panel))
    monkeypatch.setattr(linear, "IN_MEMORY_MAX_ROWS", 0)
    large = fit_models(engine_table(panel))
    np.testing.assert_allclose(
        large.coefficients["std_error"], small.coefficients["std_error"], rtol=1e-10
    )
    assert large.fit["n_firms"].tolist() == small.fit["n_firms"].tolist()


def test_a_panel_without_complete_rows_is_a_data_error(panel):
    empty = panel.assign(revolving=pd.array([pd.NA] * len(panel), dtype="boolean"))
    with pytest.raises(DataError, match="no complete rows"):
        fit_models(engine_table(empty))
