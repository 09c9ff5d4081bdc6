"""Complementary (secondary) suppression of the smallbiz result tables, as one publication.

Primary suppression (:func:`econscope.disclosure.suppress`) hides each cell of fewer than
k firms. A reader with every published table can still rebuild a hidden cell when it is
one unknown in a linear relation between published counts. This module writes those
relations down for the smallbiz tables and lets
:func:`econscope.disclosure.complementary_suppression` hide enough further cells:

- **margins**: per month, the firms with a known revolving status (fig02) are the firms of
  each size class (fig04) plus those without one, and the firms of each buffer group
  (fig12) plus those without buffer days; the same for revolvers and non-revolvers
  (count = share x n_firms). A group no table shows (the residual) is protected when it
  holds 1 to k-1 firms.
- **complements**: per year, fig06's counts of firms by months revolved add up to the
  year's firms (n_firms), and "1-11" is the sum of 1 ... 11.
- **totals**: tabA1's firms per industry add up to the panel's firms (published by the
  funnel).
- **siblings**: the n_firms of fig03 (firms with an ADB), fig10 (revolvers, and revolvers
  with buffer days) and fig11 (revolvers and transactors with buffer days) count nearly
  the same firms as a part of fig02 (firms, revolvers, non-revolvers) and of the sum of
  fig12's buffer groups. Each is related to both, with the difference as an unknown the
  reader cannot solve through (not itself protected: docs/disclosure.md); where the
  populations are the same (fig11's revolvers are
  exactly fig12's revolvers) the relation is an equality. A hidden fig02 or fig12 cell
  is then not the only unknown of "fig03 n - fig11 revolvers = transactors".
- **fig03**: a month's median and its index go together (index = median / base x 100),
  and when a base month's median is hidden every index is hidden.
- **groups**: in fig02, fig04, fig05, fig12 and tabA1 the cells of one row of dimensions
  (a share and the median of the same firms; firms and their median revenue) are
  published together or hidden together, since the median's n_firms counts the revolvers
  whose share is hidden.

Models (fig08, fig09, models.csv, models_fit.csv) are protected in the analysis itself:
small industries are pooled before fitting (:func:`econscope.disclosure.pool_levels`).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import pandas as pd

from econscope.disclosure import (
    KNOWN,
    RESIDUAL,
    Count,
    complementary_suppression,
)
from econscope.smallbiz.tables import TABLES

__all__ = ["GROUP_TABLES", "MEASURE_TABLES", "fig03_together", "protect_tables"]

#: Tables whose cells of one row of dimensions are published or hidden together.
GROUP_TABLES: tuple[str, ...] = ("fig02", "fig04", "fig05", "fig12", "tabA1")
#: fig02's partitions by another dimension, per month.
_PARTITIONS: tuple[tuple[str, str], ...] = (("fig04", "size_class"), ("fig12", "buffer_group"))
_FIG06_PARTS = tuple(str(m) for m in range(13))


def _key(table_id: str, row: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
    return (table_id, tuple(str(row[d]) for d in TABLES[table_id].dims))


def _cells(table: pd.DataFrame, table_id: str) -> list[dict[str, Any]]:
    return [dict(r, _key=_key(table_id, r)) for r in table.to_dict("records")]


def _hidden_cells(published: Mapping[str, pd.DataFrame]) -> set[Hashable]:
    hidden: set[Hashable] = set()
    for tid, table in published.items():
        for row in _cells(table, tid):
            if bool(row["suppressed"]):
                hidden.add(_measure_key(tid, row) if tid in MEASURE_TABLES else row["_key"])
    return hidden


class _Builder:
    """Counts and linear relations (``sum(coef * count) == 0``) of the publication."""

    def __init__(self) -> None:
        self.counts: dict[Hashable, Count] = {}
        self.relations: list[dict[Hashable, int]] = []

    def add(self, var: Hashable, cell: Hashable, value: int) -> Hashable:
        self.counts[var] = Count(cell, int(value))
        return var

    def relate(self, terms: Mapping[Hashable, int]) -> None:
        if len(terms) > 1:
            self.relations.append(dict(terms))


def _revolving_counts(b: _Builder, truth: Mapping[str, pd.DataFrame]) -> None:
    """fig02 = fig04 size classes + residual; fig02 = fig12 buffer groups + residual."""
    groups: dict[str, dict[tuple[str, ...], dict[str, int]]] = {}
    for tid in ("fig02", *(p for p, _ in _PARTITIONS)):
        share = truth[tid][truth[tid]["measure"] == "share_revolving"]
        out: dict[tuple[str, ...], dict[str, int]] = {}
        for row in _cells(share, tid):
            n = row["n_firms"]
            if pd.isna(n) or int(n) == 0 or pd.isna(row["value"]):
                continue  # no firms: nothing to protect, a known zero
            r = round(float(row["value"]) * int(n))
            out[row["_key"][1]] = {"n": int(n), "r": r, "q": int(n) - r}
            cell = row["_key"]
            for part in ("n", "r", "q"):
                b.add((cell, part), cell, out[row["_key"][1]][part])
            b.relate({(cell, "n"): 1, (cell, "r"): -1, (cell, "q"): -1})
        groups[tid] = out
    for month, parent in groups["fig02"].items():
        for tid, _dim in _PARTITIONS:
            children = {d: v for d, v in groups[tid].items() if d[0] == month[0]}
            residual = {p: parent[p] - sum(c[p] for c in children.values()) for p in "nrq"}
            for part in ("n", "r", "q"):
                terms: dict[Hashable, int] = {(("fig02", month), part): 1}
                for dims in children:
                    terms[((tid, dims), part)] = -1
                if any(residual.values()):
                    res = b.add(("residual", tid, month, part), RESIDUAL, residual[part])
                    terms[res] = -1
                b.relate(terms)
            if any(residual.values()):
                b.relate(
                    {
                        ("residual", tid, month, "n"): 1,
                        ("residual", tid, month, "r"): -1,
                        ("residual", tid, month, "q"): -1,
                    }
                )


def _fig06_counts(b: _Builder, truth: Mapping[str, pd.DataFrame], hidden: set[Hashable]) -> None:
    """Per year: the 13 counts add up to the year's firms; "1-11" is the sum of 1..11."""
    table = truth["fig06"]
    for year, rows in table.groupby("year", sort=True):
        cells = _cells(rows, "fig06")
        total = int(pd.to_numeric(rows["n_firms"], errors="coerce").fillna(0).max())
        if total == 0:
            continue
        known = any(r["_key"] not in hidden for r in cells)
        n_var = b.add(("fig06-total", str(year)), KNOWN if known else RESIDUAL, total)
        by_group = {}
        for row in cells:
            value = 0.0 if pd.isna(row["value"]) else float(row["value"])
            by_group[str(row["months_revolved"])] = b.add(
                (row["_key"], "c"), row["_key"], round(value * total)
            )
        parts = [by_group[m] for m in _FIG06_PARTS if m in by_group]
        b.relate({n_var: 1, **{v: -1 for v in parts}})
        if "1-11" in by_group:
            middle = [by_group[m] for m in _FIG06_PARTS[1:12] if m in by_group]
            b.relate({by_group["1-11"]: 1, **{v: -1 for v in middle}})


#: Counts published beside fig02's: (table, measure, group or None, fig02 part).
#: Tables whose cells are hidden one measure at a time (keys carry the measure).
MEASURE_TABLES: tuple[str, ...] = ("fig03", "fig10", "fig11")


def _measure_key(table_id: str, row: Mapping[str, Any]) -> tuple[str, tuple[str, ...], str]:
    return (*_key(table_id, row), str(row["measure"]))


def fig03_together(table: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """fig03: a month's median and index hidden together (index = median / base x 100);
    a hidden base month (its index is 100) hides every index."""
    if table.empty:
        return table
    months = table["month"].astype(str)
    hidden_months = set(months[table["suppressed"].astype(bool)])
    index = truth["measure"] == "median_adb_index"
    bases = set(truth.loc[index & (truth["value"] == 100.0), "month"].astype(str))
    is_index = table["measure"] == "median_adb_index"
    hide = months.isin(hidden_months)
    if bases & hidden_months:
        hide = hide | is_index
    return _hide(table, hide)


def _hide(table: pd.DataFrame, hide: pd.Series) -> pd.DataFrame:
    """``table`` with the rows of ``hide`` suppressed (value and n_firms withheld)."""
    hide = hide | table["suppressed"].astype(bool)
    out = table.copy()
    out["value"] = out["value"].mask(hide)
    out["n_firms"] = out["n_firms"].astype("Int64").mask(hide)
    out["suppressed"] = hide.astype(bool)
    return out


def _tabA1_counts(b: _Builder, truth: Mapping[str, pd.DataFrame]) -> None:
    """The firms of every industry add up to the panel's firms (published by the funnel)."""
    firms = truth["tabA1"][truth["tabA1"]["measure"] == "firms"]
    terms: dict[Hashable, int] = {}
    total = 0
    for row in _cells(firms, "tabA1"):
        n = 0 if pd.isna(row["n_firms"]) else int(row["n_firms"])
        total += n
        terms[b.add((row["_key"], "n"), row["_key"], n)] = -1
    if terms:
        b.relate({b.add(("tabA1-total",), KNOWN, total): 1, **terms})


def _apply(table: pd.DataFrame, table_id: str, hidden: set[Hashable]) -> pd.DataFrame:
    key = _measure_key if table_id in MEASURE_TABLES else _key
    keys = [key(table_id, r) for r in table.to_dict("records")]
    return _hide(table, pd.Series([k in hidden for k in keys], index=table.index))


def protect_tables(
    truth: Mapping[str, pd.DataFrame], published: Mapping[str, pd.DataFrame], k: int
) -> dict[str, pd.DataFrame]:
    """Published tables after group and complementary suppression.

    ``truth`` holds each table before suppression (values and n_firms of every cell),
    ``published`` after primary suppression (same rows, same order). Returns new tables
    for every id of ``published``; only more cells become suppressed, none less.
    """
    protected = (*GROUP_TABLES, "fig06", *MEASURE_TABLES)
    hidden = _hidden_cells({t: published[t] for t in protected if t in published})
    b = _Builder()
    _revolving_counts(b, truth)
    _fig06_counts(b, truth, hidden)
    _tabA1_counts(b, truth)
    hidden = complementary_suppression(b.counts, b.relations, hidden, k)
    out = {
        tid: (_apply(table, tid, hidden) if tid in protected else table)
        for tid, table in published.items()
    }
    if "fig03" in out:
        out["fig03"] = fig03_together(out["fig03"], truth["fig03"])
    return siblings_together(out)


def _hide_months(table: pd.DataFrame, months: set[str]) -> pd.DataFrame:
    return _hide(table, table["month"].astype(str).isin(months))


def siblings_together(tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Counts that other tables repeat, hidden month by month instead of through the
    solver (whose cheapest cover ran through fig02's headline series and hid most of it):

    - fig12's two buffer groups partition the month's firms, and fig11's revolvers and
      transactors are the same firms again: a month with a hidden fig12 cell hides all of
      fig12's cells of that month, so fig11's totals minus one group never give the other;
    - fig10 counts the month's revolvers (fig02's ``r``) and fig11 the revolvers and the
      transactors: a month with a hidden fig02 cell hides fig10's and fig11's cells too.
    """
    out = dict(tables)

    def hidden_months(tid: str, measure: str) -> set[str]:
        if tid not in out or out[tid].empty:
            return set()
        t = out[tid]
        hidden = t["suppressed"].astype(bool) & (t["measure"] == measure)
        return set(t.loc[hidden, "month"].astype(str))

    # A count is hidden with its share; a median hidden alone (the median rule) hides no
    # count, so it moves nothing else.
    m02 = hidden_months("fig02", "share_revolving")
    if "fig12" in out and not out["fig12"].empty:
        out["fig12"] = _hide_months(out["fig12"], hidden_months("fig12", "share_revolving") | m02)
    for tid in ("fig10", "fig11"):
        if tid in out and not out[tid].empty:
            out[tid] = _hide_months(out[tid], m02)
    return out
