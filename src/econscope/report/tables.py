"""The regression table, once: read from the published models.csv and models_fit.csv.

:func:`regression_table` lays the three models out as a publication does (etable style): a
column per model, each covariate's estimate with significance stars and its clustered
standard error in parentheses below, then the number of observations, of firms and the
fit statistic. Every number has the same fixed number of decimals (never scientific
notation): enough that the smallest standard error shows two significant digits, at least
3 and at most 6. The terminal (:meth:`RegressionTable.to_rich`), the notebook and the
HTML report (:meth:`RegressionTable.to_html`) and plain text (:meth:`RegressionTable.to_text`)
render this one object, so they cannot disagree.

A model whose fit row says it describes fewer than ``k`` firms (or whose firm count was
withheld) is shown as suppressed, the whole column.

>>> import pandas as pd
>>> coef = pd.DataFrame({"model": ["lpm", "lpm"], "term": ["adb", "Intercept"],
...                      "estimate": [-0.00088, 0.41], "std_error": [0.00021, 0.02],
...                      "p_value": [3e-5, 1e-9]})
>>> fit = pd.DataFrame({"model": ["lpm"], "n_obs": [5000], "n_firms": [120],
...                     "r2": [0.0812], "log_likelihood": [None]})
>>> print(regression_table(coef, fit).to_text())  # doctest: +NORMALIZE_WHITESPACE
                                    Linear probability
Average daily balance ($ thousands)        -0.00088***
                                             (0.00021)
Intercept                                   0.41000***
                                             (0.02000)
Observations (firm-cycles)                       5,000
Firms                                              120
R²                                              0.0812
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from econscope.config import Settings
from econscope.report._format import stars
from econscope.smallbiz.tables import COVARIATES, MODEL_LABELS, MODELS, money_unit, term_label

__all__ = ["RegressionTable", "note", "regression_table"]

SUPPRESSED = "suppressed"
NOTE = (
    "Dependent variable: the firm revolves in the billing cycle (0/1). Money in thousands "
    "of 2022 dollars. Standard errors clustered by firm in parentheses; * p < 0.1, "
    "** p < 0.05, *** p < 0.01."
)


def note(settings: Settings | None = None) -> str:
    """The table's note, money in the run's unit (:func:`~econscope.smallbiz.tables.money_unit`).

    >>> s = Settings().with_overrides(["money.currency=CZK", "prices.base_year=1994"])
    >>> note(s).split(". ")[1]
    'Money in thousands of 1994 CZK'
    """
    unit = money_unit(settings if settings is not None else Settings())
    return NOTE.replace("thousands of 2022 dollars", f"thousands of {unit}")


#: (models_fit column, row label, decimals; None = the table's decimals)
_FIT_ROWS: tuple[tuple[str, str, int | None], ...] = (
    ("n_obs", "Observations (firm-cycles)", 0),
    ("n_firms", "Firms", 0),
    ("r2", "R²", None),
    ("log_likelihood", "Log likelihood", 1),
)


def _missing(x: object) -> bool:
    if x is None or x is pd.NA:
        return True
    try:
        return math.isnan(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def _decimals(values: Sequence[float]) -> int:
    """Decimals that show the smallest non-zero value with two significant digits (3-6).

    >>> _decimals([0.02, 0.00021]), _decimals([0.5]), _decimals([1e-9])
    (5, 3, 6)
    """
    small = [abs(v) for v in values if v and not math.isnan(v)]
    if not small:
        return 3
    need = 1 - math.floor(math.log10(min(small)))
    return max(3, min(6, need))


@dataclass(frozen=True)
class RegressionTable:
    """Formatted cells: ``header`` (a model per column), ``rows`` of (label, cells, kind).

    ``kind`` is ``"estimate"``, ``"std_error"`` or ``"fit"``.
    """

    header: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...], str], ...]
    note: str = NOTE

    def to_text(self) -> str:
        """Plain text, columns aligned (estimates right-aligned)."""
        width = max([len(r[0]) for r in self.rows] + [0])
        cols = [
            max([len(head)] + [len(r[1][i]) for r in self.rows])
            for i, head in enumerate(self.header)
        ]
        lines = [
            " " * width + "".join(f"  {h:>{w}}" for h, w in zip(self.header, cols, strict=True))
        ]
        for name, cells, _ in self.rows:
            lines.append(
                f"{name:<{width}}"
                + "".join(f"  {c:>{w}}" for c, w in zip(cells, cols, strict=True))
            )
        return "\n".join(line.rstrip() for line in lines)

    def to_html(self, *, suppressed_note: str = "suppressed by disclosure control") -> str:
        """An HTML table (the report's styles: numbers right-aligned, SE rows muted)."""
        from econscope.report.html import escape

        head = "<th></th>" + "".join(f'<th class="num">{escape(h)}</th>' for h in self.header)
        body = []
        for name, cells, kind in self.rows:
            tds = []
            for c in cells:
                if c == SUPPRESSED:
                    note = escape(suppressed_note)
                    tds.append(f'<td class="suppressed" title="{note}">{SUPPRESSED}</td>')
                else:
                    tds.append(f'<td class="num">{escape(c)}</td>')
            cls = {"std_error": ' class="se"', "fit": ' class="fit"'}.get(kind, "")
            body.append(f'<tr{cls}><th scope="row">{escape(name)}</th>{"".join(tds)}</tr>')
        return (
            f'<table class="regression"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>"
        )

    def to_rich(self, title: str | None = None) -> Any:
        """A rich Table for the terminal."""
        from rich.table import Table

        table = Table(title=title)
        table.add_column("")
        for h in self.header:
            table.add_column(h, justify="right")
        previous = "estimate"
        for name, cells, kind in self.rows:
            if kind == "fit" and previous != "fit":
                table.add_section()
            shown = ["[dim]suppressed[/dim]" if c == SUPPRESSED else c for c in cells]
            table.add_row(name, *shown, style="dim" if kind == "std_error" else None)
            previous = kind
        return table


def regression_table(
    models: pd.DataFrame,
    fit: pd.DataFrame | None = None,
    *,
    k: int | None = None,
    settings: Settings | None = None,
) -> RegressionTable:
    """The published models as one table (see the module docstring for the layout).

    ``models`` has the columns of results/models.csv (model, term, estimate, std_error,
    p_value); ``fit`` those of results/models_fit.csv. ``k``: a model fitted on fewer
    than k firms is suppressed (None = only a withheld firm count suppresses).
    ``settings``: the run's, so money terms name its currency (None = US dollars).
    """
    present = [str(m) for m in dict.fromkeys(models["model"].astype(str))]
    if fit is not None:
        present += [str(m) for m in fit["model"].astype(str) if str(m) not in present]
    names = [m for m in MODELS if m in present] + sorted(set(present) - set(MODELS))
    by_model = {} if fit is None else {str(r["model"]): r for r in fit.to_dict("records")}
    hidden = set()
    for m in names:
        rec = by_model.get(m)
        if rec is None:
            continue
        firms = rec.get("n_firms")
        if _missing(firms) or (k is not None and float(firms) < k):
            hidden.add(m)
    terms = list(dict.fromkeys(models["term"].astype(str)))
    terms.sort(key=lambda t: COVARIATES.index(t) if t in COVARIATES else len(COVARIATES))
    cells = {(str(r["model"]), str(r["term"])): r for r in models.to_dict("records")}
    shown = [
        float(cells[(m, t)][c])
        for (m, t) in cells
        if m not in hidden
        for c in ("estimate", "std_error")
        if not _missing(cells[(m, t)].get(c))
    ]
    decimals = _decimals([abs(v) for v in shown if v != 0] or [1.0])
    rows: list[tuple[str, tuple[str, ...], str]] = []
    for term in terms:
        est: list[str] = []
        se: list[str] = []
        for m in names:
            rec = cells.get((m, term))
            if m in hidden:
                est.append(SUPPRESSED)
                se.append("")
            elif rec is None or _missing(rec.get("estimate")):
                est.append("")
                se.append("")
            else:
                est.append(f"{float(rec['estimate']):.{decimals}f}{stars(rec.get('p_value'))}")
                std = rec.get("std_error")
                se.append("" if _missing(std) else f"({float(std):.{decimals}f})")
        rows.append((term_label(term, settings), tuple(est), "estimate"))
        rows.append(("", tuple(se), "std_error"))
    if fit is not None:
        for column, name, fixed in _FIT_ROWS:
            line: list[str] = []
            for m in names:
                rec = by_model.get(m)
                value = None if rec is None else rec.get(column)
                if m in hidden:
                    line.append(SUPPRESSED)
                elif _missing(value):
                    line.append("")
                else:
                    places = 4 if fixed is None else fixed
                    line.append(f"{float(value):,.{places}f}")  # type: ignore[arg-type]
            if column in ("n_obs", "n_firms") or any(c not in ("", SUPPRESSED) for c in line):
                rows.append((name, tuple(line), "fit"))
    header = tuple(MODEL_LABELS.get(m, m) for m in names)
    return RegressionTable(header=header, rows=tuple(rows))
