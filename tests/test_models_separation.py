"""Perfect separation in the logit: a level whose rows all share one outcome is dropped
from the logit (named in a warning, counted), the other models keep it, and the logit on
the remaining rows still equals statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from econscope.errors import EconscopeWarning
from econscope.smallbiz.results.models import fit_models, prediction_tables
from test_models_agreement import _ours, _pooled_design
from test_models_panel import complete_rows, engine_table, synthetic_panel

SEPARATED = "construction"  # the base level: the logit must re-base


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    p = synthetic_panel()
    p.loc[p["industry"] == SEPARATED, "revolving"] = False  # never revolves: separated
    return p


@pytest.fixture(scope="module")
def results(panel):
    with pytest.warns(EconscopeWarning, match=f"perfect separation.*industry: {SEPARATED}"):
        return fit_models(engine_table(panel))


def test_separated_rows_are_dropped_from_the_logit_only(panel, results) -> None:
    df = complete_rows(panel)
    n_separated = int((df["industry"] == SEPARATED).sum())
    fit = results.fit.set_index("model")
    assert fit.loc["lpm", "n_obs"] == len(df)
    assert fit.loc["logit", "n_obs"] == len(df) - n_separated
    assert results.rows.dropped_separated_logit == n_separated


def test_logit_on_the_remaining_rows_equals_statsmodels(panel, results) -> None:
    import statsmodels.api as sm

    df = complete_rows(panel)
    df = df[df["industry"] != SEPARATED].reset_index(drop=True)
    x = _pooled_design(df)
    peer = sm.Logit(df["y"], x).fit(
        disp=0,
        tol=1e-12,
        maxiter=100,
        cov_type="cluster",
        cov_kwds={"groups": df["firm_id"].factorize()[0]},
    )
    ours = _ours(results, "logit").loc[x.columns]
    np.testing.assert_allclose(ours["estimate"], peer.params[x.columns], rtol=1e-8)
    np.testing.assert_allclose(ours["std_error"], peer.bse[x.columns], rtol=1e-8)


def test_separated_level_gets_no_logit_prediction(results) -> None:
    fig09 = prediction_tables(results)["fig09"]
    logit = set(fig09.loc[fig09.model == "logit", "industry"])
    lpm = set(fig09.loc[fig09.model == "lpm", "industry"])
    assert SEPARATED in lpm
    assert SEPARATED not in logit
    assert logit == lpm - {SEPARATED}


def test_logit_firm_counts_come_from_the_logit_sample(panel, results) -> None:
    # fig09's n_firms drives suppression: for the logit it counts the firms of each
    # industry among the rows the logit kept (pandas count on the same rows).
    df = complete_rows(panel)
    kept = df[df["industry"] != SEPARATED]
    expected = kept.groupby("industry")["firm_id"].nunique().to_dict()
    assert dict(results.industry_firms["logit"]) == expected
