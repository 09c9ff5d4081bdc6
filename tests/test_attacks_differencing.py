"""Differencing attacks on the whole publication of small simulated banks (issue 13 item 1).

The adversary (tests/reference/differencing.py) reads only the published CSV files and
rebuilds suppressed cells by subtraction, complements and model coefficients; the truth
it compares against is the same analysis run with k = 1 (nothing suppressed). Banks of 40
and 300 firms (2018-2022, calibrated simulator), each attacked at k = 10 and k = 3.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.reference import differencing as adversary

from econscope.config import Settings, load_settings
from econscope.engine import connect
from econscope.smallbiz import simulate
from econscope.smallbiz.analysis import analyze
from econscope.smallbiz.panel import build_panel
from econscope.smallbiz.validation import validate

pytestmark = pytest.mark.filterwarnings("ignore::econscope.errors.EconscopeWarning")

BANKS = (40, 300)
KS = (10, 3)


def _settings(k: int) -> Settings:
    return load_settings(overrides=[f"disclosure.k={k}"])


@pytest.fixture(scope="session")
def panels(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    out = {}
    con = connect()
    for firms in BANKS:
        root = tmp_path_factory.mktemp(f"bank{firms}")
        simulate(
            root / "data", firms=firms, start="2018-01", end="2022-12", seed=13, progress=False
        )
        validate(root / "data", root / "validated", _settings(10), con=con)
        build_panel(root / "validated", root / "panel", _settings(10), con=con)
        out[firms] = root
    return out


@pytest.fixture(scope="session")
def published(panels: dict[int, Path]) -> dict[tuple[int, int], dict[str, pd.DataFrame]]:
    """results of every (bank, k), k = 1 being the truth."""
    out = {}
    con = connect()
    for firms, root in panels.items():
        for k in (1, *KS):
            folder = root / f"results_k{k}"
            analyze(root / "panel", folder, _settings(k), con=con)
            out[(firms, k)] = adversary.read(folder)
    return out


def _model_rows(panel: pd.DataFrame) -> pd.DataFrame:
    cols = ["revenues_real", "expenses_real", "net_cash_flow_real", "adb_real"]
    ok = panel["revolving"].notna() & panel["cash_buffer_days"].notna()
    for c in [*cols, "industry", "size_class"]:
        ok &= panel[c].notna()
    return panel[ok]


@pytest.mark.parametrize("firms", BANKS)
@pytest.mark.parametrize("k", KS)
def test_no_suppressed_cell_is_rebuilt_from_the_publication(
    firms: int, k: int, panels: dict[int, Path], published: dict
) -> None:
    panel = pd.read_parquet(panels[firms] / "panel" / "panel.parquet")
    rows = _model_rows(panel)
    industry_firms = rows.groupby("industry")["firm_id"].nunique().to_dict()
    # tabA1's total: the panel's distinct firms (the funnel's last step publishes it).
    findings = adversary.attack_all(
        published[(firms, k)],
        published[(firms, 1)],
        k=k,
        total_firms=int(panel["firm_id"].nunique()),
        industry_firms={str(i): int(n) for i, n in industry_firms.items()},
    )
    assert findings == []


@pytest.mark.parametrize("firms", BANKS)
def test_the_attacks_find_leaks_in_a_publication_with_primary_suppression_only(
    firms: int, published: dict
) -> None:
    # The adversary must be able to fail: publish the k = 1 truth with only the threshold
    # rule applied at k = 10 (cells of fewer than 10 firms blanked, nothing else).
    truth = published[(firms, 1)]
    naive = {}
    for name, df in truth.items():
        if {"value", "n_firms", "suppressed"} <= set(df.columns):
            small = df["n_firms"].isna() | (df["n_firms"] < 10)
            df = df.assign(
                value=df["value"].mask(small),
                n_firms=df["n_firms"].mask(small),
                suppressed=df["suppressed"] | small,
            )
        naive[name] = df
    findings = adversary.attack_all(naive, truth, k=10, total_firms=10**9, industry_firms={})
    assert findings, "the adversary found nothing to rebuild in a naive publication"


@pytest.mark.parametrize("firms", BANKS)
def test_suppression_still_publishes_cells(firms: int, published: dict) -> None:
    # Protection must not blank everything: at k = 3 most monthly shares stay published.
    fig02 = published[(firms, 3)]["fig02"]
    share = fig02[fig02["measure"] == "share_revolving"]
    assert share["suppressed"].mean() < 0.5
    assert np.isfinite(share.loc[~share["suppressed"], "value"]).all()


# -- the non-result tables (issue 13: "small banks: the funnel, the accounting table and
# the data-quality section publish counts below k; models_fit's n_firms differ") --------


def _quality_inputs(root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    acc = pd.read_csv(root / "validated" / "accounting.csv", dtype={"notes": str})
    quar = pd.read_csv(root / "validated" / "quarantine_summary.csv")
    return acc, quar


@pytest.mark.parametrize("firms", BANKS)
@pytest.mark.parametrize("k", KS)
def test_the_report_funnel_and_data_quality_hold_against_the_adversary(
    firms: int, k: int, panels: dict[int, Path]
) -> None:
    from econscope.report.smallbiz import published_funnel, published_quality

    root = panels[firms]
    funnel = pd.read_csv(root / "panel" / "funnel.csv")
    acc, quar = _quality_inputs(root)
    shown_acc, shown_quar = published_quality(acc, quar, k)
    assert adversary.attack_funnel(published_funnel(funnel, k), funnel, k) == []
    assert adversary.attack_quality(shown_acc, shown_quar, acc, quar, k) == []


@pytest.mark.parametrize("firms", BANKS)
@pytest.mark.parametrize("k", KS)
def test_models_and_medians_hold_against_the_adversary(
    firms: int, k: int, panels: dict[int, Path], published: dict
) -> None:
    panel_firms = int(
        pd.read_parquet(panels[firms] / "panel" / "panel.parquet")["firm_id"].nunique()
    )
    pub = published[(firms, k)]
    assert adversary.attack_models_vs_panel(pub, panel_firms, k) == []
    # disclosure.median_min_firms unset: a money median needs 2 x k firms
    assert adversary.attack_small_medians(pub, 2 * k) == []


def test_the_funnel_and_quality_attacks_find_leaks_when_only_small_counts_are_hidden() -> None:
    # Hand-built: a bank of 40 firms, 3 dropped at step 2 (so step 2's drop is hidden);
    # with only that cell blank, 37 - 30 ... gives it back: before 40 - after 37 = 3.
    funnel = pd.DataFrame(
        {
            "step": [1, 2, 3],
            "firms_before": [40, 37, 34],
            "firms_after": [37, 34, 20],
            "firms_dropped": [3, 3, 14],
            "rows_before": [2000, 1800, 1700],
            "rows_after": [1800, 1700, 1000],
            "rows_dropped": [200, 100, 700],
        }
    )
    naive = funnel.astype("Int64").copy()
    for col in ("firms_dropped",):
        naive[col] = naive[col].mask(naive[col] < 10)
    assert adversary.attack_funnel(naive, funnel, 10)  # 40 - 37 = 3 rebuilt
    from econscope.report.smallbiz import published_funnel

    shown = published_funnel(funnel, 10)
    assert adversary.attack_funnel(shown, funnel, 10) == []
    # the protected funnel still shows the bank's first count and the sample's last
    assert shown.loc[0, "firms_before"] == 40 and shown.loc[2, "firms_after"] == 20

    acc = pd.DataFrame(
        {
            "table": ["firms", "deposit_transactions"],
            "rows_in": [40, 5000],
            "rows_accepted": [38, 4900],
            "rows_quarantined": [2, 100],
            "notes": ["2 accepted firms have industry 'unknown'", ""],
        }
    )
    quar = pd.DataFrame(
        {"table": ["firms", "deposit_transactions"], "reason": ["dup", "bad_amount"],
         "rows": [2, 100]}
    )  # fmt: skip
    naive_acc = acc.copy()
    naive_acc["rows_quarantined"] = (
        naive_acc["rows_quarantined"].astype("Int64").mask(acc["rows_quarantined"] < 10)
    )
    naive_quar = quar.assign(rows=quar["rows"].astype("Int64").mask(quar["rows"] < 10))
    assert adversary.attack_quality(naive_acc, naive_quar, acc, quar, 10)
    from econscope.report.smallbiz import published_quality

    shown_acc, shown_quar = published_quality(acc, quar, 10)
    assert adversary.attack_quality(shown_acc, shown_quar, acc, quar, 10) == []
    assert shown_acc.loc[0, "notes"] == "fewer than 10 accepted firms have industry 'unknown'"


def test_the_models_vs_panel_attack_finds_an_exact_difference_and_not_a_rounded_one() -> None:
    # The bank of 40 firms (seed 13) at k = 1: lpm on 27 firms of the panel's 28, so one
    # firm has no complete model row. Rounded down to multiples of 10 (20 firms, 980
    # rows) the reader only knows that 0 to 8 firms were dropped.
    exact = {"models_fit": pd.DataFrame({"model": ["lpm"], "n_obs": [982], "n_firms": [27]})}
    rounded = {"models_fit": pd.DataFrame({"model": ["lpm"], "n_obs": [980], "n_firms": [20]})}
    assert adversary.attack_models_vs_panel(exact, 28, 10) == [
        "models_fit lpm n_firms 27 vs panel 28"
    ]
    assert adversary.attack_models_vs_panel(rounded, 28, 10) == []


def test_the_sibling_attack_rebuilds_a_buffer_group_from_fig11() -> None:
    # The bank of 40 firms (seed 13), September 2020, truth: fig12 "<= 15 days" 4 firms,
    # 1 revolving (share 0.25), "> 15 days" 16 firms, 3 revolving (0.1875); fig11's
    # transactors with buffer days are 3 + 13 = 16. With only "<= 15 days" hidden (k = 10),
    # 16 - 13 = 3 transactors of the hidden group come back.
    month = "2020-09-01"

    def fig12(hide: bool) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "month": [month] * 2,
                "buffer_group": ["<= 15 days", "> 15 days"],
                "measure": ["share_revolving"] * 2,
                "value": [None if hide else 0.25, 0.1875],
                "n_firms": [None if hide else 4, 16],
                "suppressed": [hide, False],
            }
        )

    fig11 = pd.DataFrame(
        {"month": [month], "group": ["transactors"], "measure": ["median_cash_buffer_days"],
         "value": [24.9], "n_firms": [16], "suppressed": [False]}
    )  # fmt: skip
    empty = pd.DataFrame(columns=["month", "measure", "value", "n_firms", "suppressed"])
    pub = {"fig12": fig12(True), "fig11": fig11, "fig02": empty, "fig03": empty, "fig10": empty}
    truth = {**pub, "fig12": fig12(False)}
    assert adversary.attack_sibling_counts(pub, truth, 10) == [
        "fig12 ('2020-09-01', '<= 15 days'): transactors rebuilt from fig11 minus other groups"
    ]
    hidden_too = {**pub, "fig11": fig11.assign(value=None, n_firms=None, suppressed=True)}
    assert adversary.attack_sibling_counts(hidden_too, truth, 10) == []
