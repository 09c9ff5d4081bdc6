"""Text and HTML views of fits: :func:`stars`, :class:`Summary`, :func:`etable`.

Numbers are written with fixed decimals, never in scientific notation (a coefficient of
0.00001 reads 0.0000, not 1e-05: a table that switches notation row by row misleads).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import pandas as pd

from econscope.stats._design import Design, FormulaError

__all__ = ["ETable", "Summary", "etable", "fixed", "stars"]


class _Vcov(Protocol):
    @property
    def label(self) -> str: ...


class FitView(Protocol):
    """What the views read of a fit (:class:`econscope.stats.Fit` has it all)."""

    @property
    def name(self) -> str: ...
    @property
    def design(self) -> Design: ...
    @property
    def formula(self) -> str: ...
    @property
    def estimator(self) -> str: ...
    @property
    def n_obs(self) -> int: ...
    @property
    def n_clusters(self) -> int | None: ...
    @property
    def df_resid(self) -> float | None: ...
    @property
    def r2(self) -> float: ...
    @property
    def loglik(self) -> float: ...
    @property
    def dropped(self) -> tuple[str, ...]: ...
    @property
    def vcov_type(self) -> _Vcov: ...
    def tidy(self, level: float = 0.95) -> pd.DataFrame: ...


def stars(p: object) -> str:
    """Significance stars of a p-value: *** < 0.01, ** < 0.05, * < 0.1; blank if missing.

    >>> stars(0.003), stars(0.04), stars(0.07), stars(0.5), stars(None), stars(float("nan"))
    ('***', '**', '*', '', '', '')
    """
    try:
        value = float(p)  # type: ignore[arg-type]
    except (TypeError, ValueError):  # None, pandas.NA
        return ""
    if math.isnan(value):
        return ""
    return "***" if value < 0.01 else "**" if value < 0.05 else "*" if value < 0.1 else ""


def fixed(value: float, digits: int = 4, *, thousands: bool = False) -> str:
    """``value`` with ``digits`` decimals, never scientific; blank for NaN.

    >>> fixed(1.23456e-05), fixed(-2.5, 2), fixed(1234567.0, 1, thousands=True)
    ('0.0000', '-2.50', '1,234,567.0')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = f"{value:,.{digits}f}" if thousands else f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text[1:].replace(",", "")) == 0 else text


@dataclass(frozen=True)
class Summary:
    """A fit's summary: ``header`` (label, value) pairs and the ``coefficients`` table
    (strings, fixed decimals). ``str()`` is the text; ``_repr_html_`` the HTML."""

    title: str
    header: tuple[tuple[str, str], ...]
    coefficients: pd.DataFrame

    @classmethod
    def of(cls, fit: FitView, digits: int = 4) -> Summary:
        tidy = fit.tidy()
        stat = "z" if fit.df_resid is None else "t"
        width = max(len(str(t)) for t in tidy["term"]) if len(tidy) else 0
        coef = pd.DataFrame(
            {
                "": [str(t).ljust(width) for t in tidy["term"]],
                "coef": [fixed(v, digits) for v in tidy["estimate"]],
                "std err": [fixed(v, digits) for v in tidy["std_error"]],
                stat: [fixed(v, 3) for v in tidy["statistic"]],
                f"P>|{stat}|": [fixed(v, 3) for v in tidy["p_value"]],
                "[0.025": [fixed(v, digits) for v in tidy["conf_low"]],
                "0.975]": [fixed(v, digits) for v in tidy["conf_high"]],
            }
        )
        header = [
            ("Dep. variable", fit.design.y),
            ("Model", "Logit (IRLS)" if fit.estimator == "logit" else "Least squares"),
            ("Formula", fit.formula),
            ("Observations", f"{fit.n_obs:,}"),
            ("Variance", fit.vcov_type.label),
        ]
        if fit.n_clusters is not None:
            header.append(("Clusters", f"{fit.n_clusters:,}"))
        if fit.design.fe:
            header.append(("Fixed effects", ", ".join(fit.design.fe)))
        if fit.estimator == "logit":
            header.append(("Log-likelihood", fixed(fit.loglik, 3, thousands=True)))
        else:
            header.append(("R² (within)" if fit.design.fe else "R²", fixed(fit.r2, 4)))
        if fit.dropped:
            header.append(("Dropped (collinear)", ", ".join(fit.dropped)))
        return cls(f"{fit.name}: {fit.design.y}", tuple(header), coef)

    def __str__(self) -> str:
        width = max(len(k) for k, _ in self.header)
        lines = [self.title, "=" * len(self.title)]
        lines += [f"{k.ljust(width)}  {v}" for k, v in self.header]
        body: str = self.coefficients.to_string(index=False)
        rule = "-" * max(len(line) for line in body.splitlines())
        return "\n".join([*lines, rule, body, rule])

    def _repr_html_(self) -> str:
        head = "".join(
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in self.header
        )
        body: str = self.coefficients.to_html(index=False, escape=True)
        return f"<div><h4>{html.escape(self.title)}</h4><table>{head}</table>{body}</div>"


@dataclass(frozen=True)
class ETable:
    """Several fits side by side: ``frame`` (strings; column ``row`` then one per fit)."""

    frame: pd.DataFrame

    def __str__(self) -> str:
        text: str = self.frame.to_string(index=False)
        return text

    def _repr_html_(self) -> str:
        text: str = self.frame.to_html(index=False, escape=True)
        return text


def etable(
    fits: Sequence[FitView],
    *,
    labels: Sequence[str] | None = None,
    digits: int = 4,
    extra_rows: Mapping[str, Sequence[str]] | None = None,
) -> ETable:
    """Estimates with stars (*** p < 0.01, ** p < 0.05, * p < 0.1) and the standard error
    in parentheses on the row below, one column per fit (``labels``, default each fit's
    name), terms in order of first appearance; then N observations, N clusters, R² (within
    with fixed effects), log-likelihood, the variance, and any ``extra_rows`` (label ->
    one cell per fit). Fixed decimals, never scientific notation.
    """
    names = list(labels) if labels is not None else [f.name for f in fits]
    if len(names) != len(fits) or len(set(names)) != len(names):
        raise FormulaError(
            f"etable needs one distinct label per fit (got {names})",
            hint="pass labels=[...] with one distinct label per fit",
        )
    tidies = [f.tidy().set_index("term") for f in fits]
    order: list[str] = []
    for t in tidies:
        order += [term for term in t.index if term not in order]
    rows: list[dict[str, str]] = []
    for term in order:
        est: dict[str, str] = {"row": term}
        se: dict[str, str] = {"row": ""}
        for label, t in zip(names, tidies, strict=True):
            if term in t.index:
                r = t.loc[term]
                est[label] = fixed(float(r["estimate"]), digits) + stars(r["p_value"])
                se[label] = f"({fixed(float(r['std_error']), digits)})"
            else:
                est[label] = se[label] = ""
        rows += [est, se]
    footer: dict[str, list[str]] = {
        "N observations": [f"{f.n_obs:,}" for f in fits],
        "N clusters": [f"{f.n_clusters:,}" if f.n_clusters is not None else "" for f in fits],
        "R² (within with fixed effects)": [fixed(f.r2, 4) for f in fits],
        "Log-likelihood": [fixed(f.loglik, 1, thousands=True) for f in fits],
        "Variance": [f.vcov_type.label for f in fits],
    }
    for label, cells in {**footer, **(extra_rows or {})}.items():
        if all(c == "" for c in cells):
            continue
        rows.append({"row": label, **dict(zip(names, cells, strict=True))})
    return ETable(pd.DataFrame(rows, columns=["row", *names]))
