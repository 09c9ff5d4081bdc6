"""Small typed fixtures of the validated tables for the panel tests.

Each table is given as a list of dicts; columns left out are null. ``panel_of`` runs
:func:`econscope.smallbiz.method.panel.panel_expr` on them and returns pandas frames.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from econscope.config import Settings
from econscope.smallbiz.method.panel import panel_expr

D = dt.date
S, F, DATE = pa.string(), pa.float64(), pa.date32()
START = D(2019, 1, 1)

SCHEMAS: dict[str, pa.Schema] = {
    "firms": pa.schema([("firm_id", S), ("industry", S), ("region", S), ("first_seen", DATE)]),
    "deposit_accounts": pa.schema(
        [
            ("account_id", S),
            ("firm_id", S),
            ("open_date", DATE),
            ("close_date", DATE),
            ("opening_balance", F),
        ]
    ),
    "deposit_transactions": pa.schema(
        [("account_id", S), ("posted_date", DATE), ("amount", F), ("category", S)]
    ),
    "deposit_balances": pa.schema([("account_id", S), ("date", DATE), ("balance", F)]),
    "card_accounts": pa.schema(
        [
            ("card_id", S),
            ("firm_id", S),
            ("open_date", DATE),
            ("close_date", DATE),
            ("credit_limit", F),
        ]
    ),
    "card_statements": pa.schema(
        [("card_id", S), ("statement_date", DATE), ("statement_balance", F)]
    ),
    "card_transactions": pa.schema(
        [("card_id", S), ("posted_date", DATE), ("amount", F), ("kind", S)]
    ),
}

#: Settings under which every firm of a tiny fixture passes the activity filter.
LOOSE = Settings().with_overrides(
    ["sample.min_monthly_transactions=0", "sample.min_monthly_outflows=0.0"]
)


def arrow(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=SCHEMAS[name])


def one_firm(
    *,
    statements: list[tuple[dt.date, float]],
    card_tx: list[tuple[dt.date, float, str]] = (),
    deposits: list[tuple[dt.date, float, str]] = (),
    opening: float = 0.0,
    account_open: dt.date = START,
    card_open: dt.date = START,
    industry: str = "retail",
) -> dict[str, pa.Table]:
    """One firm f with deposit account a and card c."""
    return {
        "firms": arrow("firms", [{"firm_id": "f", "industry": industry}]),
        "deposit_accounts": arrow(
            "deposit_accounts",
            [
                {
                    "account_id": "a",
                    "firm_id": "f",
                    "open_date": account_open,
                    "opening_balance": opening,
                }
            ],
        ),
        "deposit_transactions": arrow(
            "deposit_transactions",
            [
                {"account_id": "a", "posted_date": d, "amount": x, "category": c}
                for d, x, c in deposits
            ],
        ),
        "card_accounts": arrow(
            "card_accounts", [{"card_id": "c", "firm_id": "f", "open_date": card_open}]
        ),
        "card_statements": arrow(
            "card_statements",
            [{"card_id": "c", "statement_date": d, "statement_balance": b} for d, b in statements],
        ),
        "card_transactions": arrow(
            "card_transactions",
            [{"card_id": "c", "posted_date": d, "amount": x, "kind": k} for d, x, k in card_tx],
        ),
    }


def to_ibis(tables: dict[str, pa.Table]) -> dict[str, ibis.Table]:
    return {name: ibis.memtable(t) for name, t in tables.items()}


def panel_of(
    con: ibis.BaseBackend, tables: dict[str, pa.Table], settings: Settings = LOOSE
) -> pd.DataFrame:
    """The panel of ``tables``, sorted by card and statement date."""
    panel = con.to_pyarrow(panel_expr(to_ibis(tables), settings).panel).to_pandas()
    return panel.sort_values(["card_id", "statement_date"]).reset_index(drop=True)


def outputs_of(
    con: ibis.BaseBackend, tables: dict[str, pa.Table], settings: Settings = LOOSE
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(panel, firm_years, funnel) of ``tables``."""
    exprs = panel_expr(to_ibis(tables), settings)
    panel = con.to_pyarrow(exprs.panel).to_pandas()
    panel = panel.sort_values(["card_id", "statement_date"]).reset_index(drop=True)
    fy = con.to_pyarrow(exprs.firm_years).to_pandas().sort_values(["firm_id", "year"])
    funnel = con.to_pyarrow(exprs.funnel).to_pandas().sort_values("step")
    return panel, fy.reset_index(drop=True), funnel.reset_index(drop=True)


def write_folder(folder: Path, tables: dict[str, pa.Table]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, t in tables.items():
        pq.write_table(t, folder / f"{name}.parquet")
    return folder
