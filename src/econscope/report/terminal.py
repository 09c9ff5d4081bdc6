"""Terminal rendering (rich) of the regression table and of a tidy result table.

Both read the published tidy tables only (models.csv / models_fit.csv, results/<id>.csv),
so what the terminal shows is what was published, suppressed cells included.

>>> import pandas as pd
>>> from rich.console import Console
>>> coef = pd.DataFrame({"model": ["lpm"], "term": ["adb"], "estimate": [-0.0012],
...                      "std_error": [0.0003], "statistic": [-4.0], "p_value": [6e-5]})
>>> fit = pd.DataFrame({"model": ["lpm"], "n_obs": [5000], "n_firms": [120],
...                     "r2": [0.081], "log_likelihood": [None]})
>>> console = Console(width=60, color_system=None)
>>> with console.capture() as cap:
...     console.print(regression_table(coef, fit))
>>> "-0.0012***" in cap.get() and "(0.0003)" in cap.get()
True
"""

from __future__ import annotations

import math

import pandas as pd
from rich.table import Table

from econscope.report._format import stars as _stars
from econscope.smallbiz.tables import TABLES

__all__ = ["regression_table", "result_table"]

#: Column titles of the three models, in the report's order.
MODEL_TITLES: dict[str, str] = {
    "lpm": "(1) LPM",
    "logit": "(2) Logit",
    "fe_lpm": "(3) Firm FE LPM",
}
#: The five covariates lead the table; other terms (industry, size, intercept) follow.
LEADING_TERMS: tuple[str, ...] = (
    "revenues",
    "expenses",
    "net_cash_flow",
    "adb",
    "cash_buffer_days",
)
SUPPRESSED = "[dim]suppressed[/dim]"
_FIT_DECIMALS = {"r2": 3, "log_likelihood": 1}


def _num(x: object, digits: int = 4) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA:
        return ""
    value = float(x)  # type: ignore[arg-type]
    return f"{value:.{digits}g}"


def regression_table(
    coefficients: pd.DataFrame, fit: pd.DataFrame, unit: str = "2022 US dollars"
) -> Table:
    """One column per model: estimate with stars and (standard error), then N and fit.

    Stars: * p < 0.1, ** p < 0.05, *** p < 0.01 (standard errors clustered by firm, as
    fitted). A model withheld by disclosure control (fewer than k firms; its models_fit
    row is blank) shows as "withheld".
    """
    models = list(dict.fromkeys([*fit["model"].astype(str), *coefficients["model"].astype(str)]))
    models.sort(key=lambda m: (list(MODEL_TITLES).index(m) if m in MODEL_TITLES else 99, m))
    terms = list(dict.fromkeys(coefficients["term"].astype(str)))
    terms.sort(key=lambda t: LEADING_TERMS.index(t) if t in LEADING_TERMS else len(LEADING_TERMS))

    table = Table(title=f"Revolving (0/1) per firm-cycle; money in thousands of {unit}")
    table.add_column("term")
    for m in models:
        table.add_column(MODEL_TITLES.get(m, m), justify="right")
    cells = coefficients.set_index(["term", "model"])
    for term in terms:
        est_row, se_row = [term], [""]
        for m in models:
            if (term, m) in cells.index:
                row = cells.loc[(term, m)]
                row = row.iloc[0] if isinstance(row, pd.DataFrame) else row
                est_row.append(_num(row["estimate"]) + _stars(row.get("p_value")))
                se = _num(row.get("std_error"))
                se_row.append(f"({se})" if se else "")
            else:
                est_row.append("")
                se_row.append("")
        table.add_row(*est_row)
        table.add_row(*se_row, style="dim")
    table.add_section()
    by_model = fit.assign(model=fit["model"].astype(str)).set_index("model")
    for label, col in (
        ("N obs", "n_obs"),
        ("N firms", "n_firms"),
        ("R2", "r2"),
        ("log likelihood", "log_likelihood"),
    ):
        row = [label]
        for m in models:
            if m not in by_model.index:
                row.append("")
                continue
            withheld = pd.isna(by_model.loc[m, "n_firms"])
            if withheld:
                row.append("withheld" if col == "n_obs" else "")
            elif col in ("n_obs", "n_firms"):
                row.append(f"{int(by_model.loc[m, col]):,}")
            else:
                value = by_model.loc[m].get(col)
                row.append("" if pd.isna(value) else f"{float(value):,.{_FIT_DECIMALS[col]}f}")
        table.add_row(*row)
    return table


def result_table(table: pd.DataFrame, table_id: str, *, max_rows: int | None = 40) -> Table:
    """A tidy result table as a rich Table, suppressed cells marked, value with its unit.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"industry": ["retail"], "measure": ["firms"], "value": [None],
    ...                    "n_firms": [None], "suppressed": [True]})
    >>> result_table(df, "tabA1").row_count
    1
    """
    spec = TABLES[table_id]
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
