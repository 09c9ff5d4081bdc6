"""The registry of result tables built from the panel: table id -> kernel on firm-months.

Each kernel takes the firm-month table (:func:`~econscope.smallbiz.results.firm_months.firm_months`)
and the settings; :func:`result_table` builds one table from a panel, :func:`result_tables`
builds them all over one firm-month table.

>>> from econscope.engine import connect
>>> expr = result_table("fig02", example_panel())  # an Ibis expression: nothing has run yet
>>> df = connect().to_pyarrow(expr).to_pandas().sort_values("measure")
>>> df[["measure", "value", "n_firms"]].values.tolist()
[['median_revolving_balance', 150.0, 2], ['share_revolving', 0.5, 4]]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from types import MappingProxyType

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from econscope.config import Settings
from econscope.smallbiz.results import figures
from econscope.smallbiz.results.firm_months import firm_months

__all__ = ["KERNELS", "example_panel", "result_table", "result_tables"]

Kernel = Callable[[ir.Table, Settings], ir.Table]

#: Table id -> kernel, for every table computed from the panel (fig08/fig09 come from the models).
KERNELS: Mapping[str, Kernel] = MappingProxyType(
    {
        "fig02": figures.fig02,
        "fig03": figures.fig03,
        "cashflow": figures.cashflow,
        "fig04": figures.fig04,
        "fig05": figures.fig05,
        "fig06": figures.fig06,
        "fig07": figures.fig07,
        "fig10": figures.fig10,
        "fig11": figures.fig11,
        "fig12": figures.fig12,
        "tabA1": figures.tabA1,
    }
)


def _firm_months(panel: ir.Table, settings: Settings) -> ir.Table:
    return firm_months(panel, buffer_days_threshold=settings.results.buffer_days_threshold)


def result_table(table_id: str, panel: ir.Table, settings: Settings | None = None) -> ir.Table:
    """One panel-based result table (``table_id`` in :data:`KERNELS`) as an Ibis expression."""
    settings = settings if settings is not None else Settings()
    return KERNELS[table_id](_firm_months(panel, settings), settings)


def result_tables(
    panel: ir.Table, settings: Settings | None = None, *, cache: bool = False
) -> dict[str, ir.Table]:
    """Every panel-based result table as an expression, keyed by table id.

    The firm-month table is built once for all of them. With ``cache=True`` it is
    materialised in the engine first (``Table.cache()``: a temporary table on DuckDB, a
    cached DataFrame on Spark), so the panel is scanned once instead of once per table;
    nothing leaves the engine.
    """
    settings = settings if settings is not None else Settings()
    fm = _firm_months(panel, settings)
    if cache:
        fm = fm.cache()
    return {table_id: kernel(fm, settings) for table_id, kernel in KERNELS.items()}


def example_panel() -> ir.Table:
    """A four-firm, one-month panel for examples: two revolvers ($100 and $200), two not.

    >>> example_panel().count().to_pyarrow().as_py()
    4
    """
    d = dt.date(2020, 1, 15)
    n = 4
    columns = {
        "firm_id": ["a", "b", "c", "d"],
        "statement_date": [d] * n,
        "revolving": [True, True, False, False],
        "revolving_balance_real": [100.0, 200.0, 0.0, 0.0],
        "statement_balance_real": [500.0, 300.0, 50.0, 0.0],
        "adb_real": [1000.0, 100.0, 2000.0, 500.0],
        "cash_buffer_days": [30.0, 5.0, 60.0, 20.0],
        "avg_daily_outflows_real": [30.0, 20.0, 35.0, 25.0],
        "industry": ["retail"] * n,
        "annual_revenue_real": [50_000.0, 80_000.0, 200_000.0, 150_000.0],
        "size_class": ["small", "small", "large", "large"],
    }
    return ibis.memtable(pa.table(columns))
