"""The seeded synthetic panel the model tests share, and checks that it is realistic.

``synthetic_panel`` builds a few thousand firm-cycles in the DESIGN.md panel schema with
realistic scales: dollars (revenues in the tens of thousands a month, ADB up to six
figures), buffer days 0-300, 12 industries, 2 size classes, a firm random effect in the
propensity to revolve, unbalanced firms (some singletons) and a few missing values.
"""

from __future__ import annotations

import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa

from econscope.config import DEFAULT_INDUSTRIES, EngineConfig
from econscope.engine import connect
from econscope.smallbiz.results.models import COVARIATE_SOURCES


def synthetic_panel(
    n_firms: int = 300, seed: int = 20240601, max_cycles: int = 24, entry_months: int = 60
) -> pd.DataFrame:
    """A firm-cycle panel; revolving follows a logit in buffer days plus a firm effect."""
    rng = np.random.default_rng(seed)
    cycles = rng.integers(1, max_cycles + 1, size=n_firms)
    cycles[: max(2, n_firms // 50)] = 1  # a few singleton firms
    firm = np.repeat(np.arange(n_firms), cycles)
    n = firm.size
    start = rng.integers(0, entry_months, size=n_firms)  # months since 2015-01
    offset = np.concatenate([np.arange(c) for c in cycles])
    month_index = start[firm] + offset
    industry = rng.choice(np.array(DEFAULT_INDUSTRIES), size=n_firms)[firm]
    scale = rng.lognormal(np.log(30_000), 0.8, size=n_firms)  # monthly revenue, dollars
    revenues = scale[firm] * rng.lognormal(0, 0.3, size=n)
    expenses = revenues * rng.uniform(0.6, 1.1, size=n)
    net_cash_flow = revenues - expenses + rng.normal(0, 3_000, size=n)
    buffer_days = np.clip(
        rng.gamma(1.5, 25, size=n_firms)[firm] * rng.lognormal(0, 0.4, size=n), 0, 300
    )
    adb = buffer_days * expenses / 30 * rng.lognormal(0, 0.2, size=n)
    firm_effect = rng.normal(0, 1.0, size=n_firms)[firm]
    eta = -0.2 - 0.03 * buffer_days + 0.000005 * net_cash_flow + firm_effect
    revolving = rng.uniform(size=n) < 1 / (1 + np.exp(-eta))
    annual = scale * 12
    size_class = np.where(annual[firm] > 100_000 * rng.uniform(0.8, 1.2, size=n), "large", "small")
    frame = pd.DataFrame(
        {
            "firm_id": [f"F{f:05d}" for f in firm],
            "revolving": pd.array(revolving, dtype="boolean"),
            "revenues_real": revenues,
            "expenses_real": expenses,
            "net_cash_flow_real": net_cash_flow,
            "adb_real": adb,
            "cash_buffer_days": buffer_days,
            "industry": industry,
            "size_class": size_class,
            "year": 2015 + month_index // 12,
            "month": 1 + month_index % 12,
        }
    )
    frame.loc[rng.choice(n, size=n // 100, replace=False), "revolving"] = pd.NA
    frame.loc[rng.choice(n, size=n // 100, replace=False), "cash_buffer_days"] = np.nan
    return frame


def complete_rows(panel: pd.DataFrame) -> pd.DataFrame:
    """The rows every model uses, covariates in model units (money in $ thousands)."""
    df = panel.dropna(subset=["revolving", *[src for src, _ in COVARIATE_SOURCES.values()]]).copy()
    df["y"] = df["revolving"].astype(float)
    for term, (src, factor) in COVARIATE_SOURCES.items():
        df[term] = df[src].astype(float) * factor
    return df.reset_index(drop=True)


def engine_table(frame: pd.DataFrame, con=None) -> ir.Table:
    """``frame`` as a table in the engine (DuckDB, one thread, unless ``con`` is given)."""
    con = con or connect(EngineConfig(threads=1))
    return con.create_table("panel", pa.Table.from_pandas(frame, preserve_index=False))


def test_panel_has_the_scales_the_brief_asks_for():
    p = synthetic_panel()
    assert p["industry"].nunique() == 12
    assert set(p["size_class"]) == {"small", "large"}
    assert p["cash_buffer_days"].between(0, 300).sum() == p["cash_buffer_days"].notna().sum()
    assert 5_000 < p["revenues_real"].median() < 200_000  # dollars a month
    assert 0.1 < p["revolving"].mean() < 0.9
    assert (p.groupby("firm_id").size() == 1).sum() >= 2  # singletons for the FE model
