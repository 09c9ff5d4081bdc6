"""The within transformation for absorbed fixed effects (private).

One fixed effect: two passes (the per-level means as a small table, materialised once,
joined back and subtracted row by row). Two: alternating projections, each sweep a pair of
engine passes materialised with ``Table.cache``, until every mean of the first effect's
levels is below ``tol`` of each column's root mean square (pyfixest's MAP demeaning does
the same). Levels with one row (singletons) are dropped first, as pyfixest does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

import econscope.stats._suffstats as suffstats
from econscope.errors import DataError

__all__ = ["Within", "demean"]


@dataclass(frozen=True)
class Within:
    """The demeaned table and what the fit reports about it.

    ``table`` has the first fixed effect, the ``keep`` columns and each demeaned column;
    ``means`` the first effect's per-level means of the original columns (``_n`` rows,
    ``mean_<column>``; singletons included); ``levels`` the number of levels of each fixed
    effect in the estimation sample; ``singleton_rows`` the rows dropped; ``x_means`` each
    column's mean over the estimation sample (before demeaning).
    """

    table: ir.Table
    means: ir.Table
    levels: tuple[int, ...]
    singleton_rows: int
    x_means: dict[str, float]


def demean(
    clean: ir.Table,
    fe: Sequence[str],
    columns: Sequence[str],
    keep: Sequence[str] = (),
    *,
    tol: float = 1e-13,
    max_iter: int = 500,
) -> Within:
    """Sweep the fixed effects ``fe`` (one or two columns) out of ``columns``."""
    first = fe[0]
    # G rows, materialised once: every later pass joins it instead of regrouping.
    means = suffstats.firm_means(clean, first, columns).cache()
    multi = means["_n"] > 1
    info = means.aggregate(
        levels=multi.sum(),
        singleton_rows=ibis.ifelse(multi, 0, means["_n"]).sum(),
        rows=ibis.ifelse(multi, means["_n"], 0).sum(),
        **{
            f"sx_{c}": ibis.ifelse(multi, means["_n"] * means[f"mean_{c}"], 0.0).sum()
            for c in columns
        },
    ).execute()
    row = info.iloc[0]
    rows = float(row["rows"] or 0)
    if rows == 0:
        raise DataError(
            f"every level of {first!r} has a single row: nothing is left after dropping singletons",
            hint="fixed effects need at least two rows per level",
        )
    x_means = {c: float(row[f"sx_{c}"]) / rows for c in columns}
    if len(fe) == 1:
        table = suffstats.demeaned_by(clean, means, first, columns, keep=keep)
        return Within(table, means, (int(row["levels"]),), int(row["singleton_rows"]), x_means)
    table, n_second = _two_way(clean, means, first, fe[1], columns, keep, tol, max_iter)
    return Within(table, means, (int(row["levels"]), n_second), int(row["singleton_rows"]), x_means)


def _two_way(
    clean: ir.Table,
    means: ir.Table,
    first: str,
    second: str,
    cols: Sequence[str],
    keep: Sequence[str],
    tol: float,
    max_iter: int,
) -> tuple[ir.Table, int]:
    """Alternating projections on the rows of the non-singleton levels of ``first``."""
    kept = means.filter(means["_n"] > 1).select(first)
    carry = [first, second, *(c for c in keep if c not in (first, second))]
    cur = clean.semi_join(kept, first).select(*carry, *cols).cache()
    n_second = int(cur[second].nunique().execute())
    scale = cur.aggregate(**{c: (cur[c] * cur[c]).mean() for c in cols}).execute().iloc[0]
    for _ in range(max_iter):
        for key in (first, second):
            m = cur.group_by(key).aggregate(**{f"_m_{c}": cur[c].mean() for c in cols})
            j = cur.inner_join(m, key)
            nxt = j.select(*carry, *[(j[c] - j[f"_m_{c}"]).name(c) for c in cols]).cache()
            cur.release()
            cur = nxt
        check = cur.group_by(first).aggregate(**{c: cur[c].mean() for c in cols})
        worst = check.aggregate(**{c: check[c].abs().max() for c in cols}).execute().iloc[0]
        if all(float(worst[c]) ** 2 <= tol**2 * max(float(scale[c]), 1e-300) for c in cols):
            return cur, n_second
    raise DataError(
        f"the {first} and {second} effects did not converge in {max_iter} sweeps",
        hint="absorb one effect only (enter the other as C(column)), or check for weakly "
        "connected levels",
    )
