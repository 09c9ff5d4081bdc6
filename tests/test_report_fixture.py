"""A fake but schema-exact run folder for the report tests (and a check that it is exact).

Every published table of ``econscope.smallbiz.tables.TABLES`` gets a few plausible rows,
some of them suppressed (value null, suppressed true), plus models.csv / models_fit.csv,
the funnel, the validation summaries and the three stage manifests. Working files
(validated/firms.parquet, panel/panel.parquet) hold firm, account and card identifiers,
so tests can check that none of them reaches a published output.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from econscope.config import DEFAULT_INDUSTRIES, Settings
from econscope.smallbiz.tables import MODEL_COLUMNS, MODEL_FIT_COLUMNS, TABLES
from econscope.stages import Manifest

MONTHS = [f"{y}-{m:02d}" for y in range(2019, 2023) for m in range(1, 13)]
#: Identifiers that live only in working files of the fake run.
FIRM_IDS = [f"FIRM-{i:06d}" for i in range(1, 41)]
ACCOUNT_IDS = [f"ACCT-{i:06d}" for i in range(1, 41)]
CARD_IDS = [f"CARD-{i:06d}" for i in range(1, 41)]
INDUSTRIES = list(DEFAULT_INDUSTRIES[:6])
#: (table id, dimension values) of the cells the fixture suppresses.
SUPPRESSED_CELLS = {
    ("fig02", ("2020-04",)),
    ("fig04", ("2021-02", "large")),
    ("fig05", (INDUSTRIES[1], "2019")),
    ("fig11", ("2022-06", "transactors")),
    ("tabA1", (INDUSTRIES[5],)),
}

_GROUPS = {
    "size_class": ["small", "large"],
    "group": ["revolvers", "transactors"],
    "buffer_group": ["at most 15 days", "above 15 days"],
    "industry": INDUSTRIES,
    "year": ["2019", "2022"],
    "model": ["lpm", "logit", "fe_lpm"],
    "cash_buffer_days": [str(d) for d in range(0, 61, 5)],
    "months_revolved": [str(m) for m in range(13)],
}
_PLAUSIBLE = {
    "share_revolving": (0.33, 0.05),
    "median_revolving_balance": (8000.0, 900.0),
    "median_adb": (21000.0, 3000.0),
    "median_adb_index": (130.0, 20.0),
    "share_of_firms": (0.2, 0.1),
    "share_revolving_0_next_year": (0.5, 0.3),
    "share_revolving_12_next_year": (0.3, 0.2),
    "predicted_probability": (0.33, 0.04),
    "share_adb_covers_balance": (0.4, 0.04),
    "share_covers_and_keeps_buffer": (0.15, 0.03),
    "median_cash_buffer_days": (25.0, 10.0),
    "median_revenues": (15000.0, 3000.0),
    "median_expenses": (12000.0, 2500.0),
    "median_net_cash_flow": (1500.0, 800.0),
    "median_total_outflows": (14000.0, 3000.0),
    "firms": (1500.0, 600.0),
    "median_annual_revenue": (180000.0, 50000.0),
}


def _dim_values(table_id: str, dim: str) -> list[str]:
    if dim == "month":
        return MONTHS
    if dim == "year" and table_id == "fig06":
        return ["2020", "2021", "2022"]
    return _GROUPS[dim]


def result_table(table_id: str, rng: np.random.Generator) -> pd.DataFrame:
    """The tidy rows of one registered table, with the fixture's suppressed cells."""
    spec = TABLES[table_id]
    records = []
    grid = itertools.product(*(_dim_values(table_id, d) for d in spec.dims))
    for key in grid:
        for measure in spec.measures:
            mean, sd = _PLAUSIBLE[measure]
            value = round(abs(float(rng.normal(mean, sd))), 4)
            n_firms = int(rng.integers(40, 4000))
            suppressed = (table_id, key) in SUPPRESSED_CELLS
            if suppressed:
                value, n_firms = None, int(rng.integers(1, 10))
            records.append(
                dict(zip(spec.dims, key, strict=True))
                | {"measure": measure, "value": value, "n_firms": n_firms}
                | {"suppressed": suppressed}
            )
    return pd.DataFrame.from_records(records, columns=list(spec.columns))


def make_run(root: Path, *, seed: int = 7) -> Path:
    """Write the fake run folder under ``root`` and return it."""
    rng = np.random.default_rng(seed)
    settings = Settings().to_manifest()
    validated, panel, results = root / "validated", root / "panel", root / "results"
    for folder in (validated, panel, results):
        folder.mkdir(parents=True, exist_ok=True)

    # working data: identifiers stay here
    pq.write_table(
        pa.table({"firm_id": FIRM_IDS, "industry": (INDUSTRIES * 7)[:40]}),
        validated / "firms.parquet",
    )
    pq.write_table(
        pa.table({"firm_id": FIRM_IDS, "account_id": ACCOUNT_IDS, "card_id": CARD_IDS}),
        panel / "panel.parquet",
    )
    pd.DataFrame(
        {
            "table": ["firms", "deposit_transactions", "card_statements"],
            "rows_in": [41, 12000, 1900],
            "rows_accepted": [40, 11990, 1897],
            "rows_quarantined": [1, 10, 3],
        }
    ).to_csv(validated / "accounting.csv", index=False)
    pd.DataFrame(
        {
            "table": ["firms", "deposit_transactions", "deposit_transactions", "card_statements"],
            "reason": ["duplicate_key", "bad_amount", "unknown_category", "statement_out_of_order"],
            "rows": [1, 6, 4, 3],
        }
    ).to_csv(validated / "quarantine_summary.csv", index=False)
    Manifest.build(
        "validate", inputs={"firms": validated / "firms.parquet"}, settings=settings, params={}
    ).finished(rows={"firms": 40}, outputs=["firms.parquet"]).write(validated)

    pd.DataFrame(
        {
            "step": [0, 1, 2, 3],
            "filter": ["all", "active", "small", "one_card"],
            "description": [
                "firms with a deposit account",
                "active every month",
                "annual revenue below $20 million",
                "exactly one business card",
            ],
            "firms_before": [40, 40, 35, 33],
            "firms_after": [40, 35, 33, 30],
            "firms_dropped": [0, 5, 2, 3],
            "rows_before": [1900, 1900, 1700, 1600],
            "rows_after": [1900, 1700, 1600, 1500],
            "rows_dropped": [0, 200, 100, 100],
        }
    ).to_csv(panel / "funnel.csv", index=False)
    Manifest.build("panel", inputs={"validated": validated}, settings=settings, params={}).finished(
        rows={"panel": 1500}, outputs=["panel.parquet", "funnel.csv"]
    ).write(panel)

    for table_id in TABLES:
        result_table(table_id, rng).to_csv(results / f"{table_id}.csv", index=False)
    terms = ["intercept", "revenues", "expenses", "net_cash_flow", "adb", "cash_buffer_days"]
    model_rows = []
    for model in ("lpm", "logit", "fe_lpm"):
        for term in terms if model != "fe_lpm" else terms[1:]:
            est = float(rng.normal(0, 0.01))
            se = abs(float(rng.normal(0.004, 0.001)))
            z = est / se
            model_rows.append(
                (model, term, est, se, z, 0.04 if abs(z) > 2 else 0.3, est - 2 * se, est + 2 * se)
            )
    pd.DataFrame(model_rows, columns=list(MODEL_COLUMNS)).to_csv(
        results / "models.csv", index=False
    )
    pd.DataFrame(
        [
            ("lpm", 1500, 30, 0.041, None),
            ("logit", 1500, 30, None, -912.4),
            ("fe_lpm", 1480, 28, 0.012, None),
        ],
        columns=list(MODEL_FIT_COLUMNS),
    ).to_csv(results / "models_fit.csv", index=False)
    Manifest.build(
        "analyze", inputs={"panel": panel / "panel.parquet"}, settings=settings, params={}
    ).finished(rows={}, outputs=[f"{t}.csv" for t in TABLES]).write(results)
    return root


def test_fixture_tables_have_the_registry_columns_and_suppressed_cells(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    for table_id, spec in TABLES.items():
        frame = pd.read_csv(run / "results" / f"{table_id}.csv")
        assert tuple(frame.columns) == spec.columns
        assert set(frame["measure"]) == set(spec.measures)
        # a suppressed cell has no value, every other cell has one
        assert frame.loc[frame["suppressed"], "value"].isna().all()
        assert frame.loc[~frame["suppressed"], "value"].notna().all()
    assert sum(pd.read_csv(run / "results" / "fig02.csv")["suppressed"]) == 2  # 2 measures
