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
