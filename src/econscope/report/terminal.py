"""Terminal rendering (rich) of a tidy result table.

It reads the published tidy table only (results/<id>.csv), so what the terminal shows is
what was published, suppressed cells included. The regression table for the terminal is
:meth:`econscope.report.tables.RegressionTable.to_rich` (one table for every renderer).
"""

from __future__ import annotations

import math

import pandas as pd
from rich.table import Table

from econscope.config import Settings
from econscope.smallbiz.tables import table_specs

__all__ = ["result_table"]

SUPPRESSED = "[dim]suppressed[/dim]"


def _num(x: object, digits: int = 4) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA:
        return ""
    value = float(x)  # type: ignore[arg-type]
    return f"{value:.{digits}g}"


def result_table(
    table: pd.DataFrame,
    table_id: str,
    *,
    max_rows: int | None = 40,
    settings: Settings | None = None,
) -> Table:
    """A tidy result table as a rich Table, suppressed cells marked, value with its unit
    (money in the run's currency and price year: ``settings``, None = the defaults).

    >>> import pandas as pd
    >>> df = pd.DataFrame({"industry": ["retail"], "measure": ["firms"], "value": [None],
    ...                    "n_firms": [None], "suppressed": [True]})
    >>> result_table(df, "tabA1").row_count
    1
    """
    spec = table_specs(settings if settings is not None else Settings())[table_id]
    out = Table(title=f"{table_id}: {spec.title}")
    for col in (*spec.dims, "measure", "value", "unit", "n_firms"):
        out.add_column(col, justify="right" if col in ("value", "n_firms") else "left")
    shown = table if max_rows is None else table.head(max_rows)
    for _, row in shown.iterrows():
        dims = [_dim(row[d]) for d in spec.dims]
        measure = str(row["measure"])
        unit = spec.measures.get(measure, "")
        if bool(row.get("suppressed", False)):
            value, n = SUPPRESSED, ""
        else:
            value = _num(row["value"], 6)
            n = "" if pd.isna(row["n_firms"]) else f"{int(row['n_firms']):,}"
        out.add_row(*dims, measure, value, unit, n)
    if max_rows is not None and len(table) > max_rows:
        out.caption = f"first {max_rows} of {len(table)} rows"
    return out


def _dim(value: object) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m")
    return str(value)
