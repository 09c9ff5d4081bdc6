"""Ibis builders of the sufficient statistics of a regression (private).

Every function here returns an Ibis expression; executing it yields a small table whose
size does not depend on the number of rows: cross products of the design columns (k x k,
once per level of an optional absorbed-as-dummies factor such as year-month), per-firm
sums aggregated to k x k, per-firm means for the within transformation. Nothing here
executes a query; nothing here is DuckDB-only.

Names of the aggregates are positional (``xx_i_j`` for i <= j, ``xy_i``, ``yy``) so that
:mod:`econscope._stats.kernels` can assemble the matrices without knowing the terms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import ibis
import ibis.expr.types as ir
import numpy as np

__all__ = [
    "cluster_outer_sums",
    "cross_products",
    "firm_demeaned",
    "linear_combination",
    "logit_pass",
    "with_offsets",
]

OFFSET = "_offset"


def _pairs(k: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(k) for j in range(i, k)]


def cross_products(
    table: ir.Table,
    x: Sequence[str],
    y: str | None = None,
    *,
    weight: str | None = None,
    by: str | None = None,
) -> ir.Table:
    """Sums of ``w x_i x_j`` (i <= j), ``w x_i y`` and ``w y y`` over ``table``.

    One row, or one row per value of ``by`` (a factor whose dummies enter the model: the
    cross products per level give its dummy blocks). Columns: ``n`` (rows), ``xx_i_j``,
    ``xy_i`` and ``yy`` when ``y`` is given, and ``by`` when grouping.

    >>> t = ibis.memtable({"a": [1.0, 2.0], "b": [3.0, 4.0]})
    >>> ibis.to_sql(cross_products(t, ["a", "b"])).count("SUM")
    3
    """
    w = table[weight] if weight else None

    def wt(expr: ir.NumericValue) -> ir.NumericValue:
        return expr * w if w is not None else expr

    aggs: dict[str, ir.Scalar] = {"n": table.count()}
    for i, j in _pairs(len(x)):
        aggs[f"xx_{i}_{j}"] = wt(table[x[i]] * table[x[j]]).sum()
    if y is not None:
        for i, name in enumerate(x):
            aggs[f"xy_{i}"] = wt(table[name] * table[y]).sum()
        aggs["yy"] = wt(table[y] * table[y]).sum()
    if by is None:
        return table.aggregate(**aggs)
    return table.group_by(by).aggregate(**aggs)


def with_offsets(
    table: ir.Table,
    by: str | None,
    offsets: Mapping[object, Sequence[float]] | None,
    names: Sequence[str],
) -> ir.Table:
    """Attach per-level constants (e.g. the year-month dummy coefficients) as columns.

    ``offsets`` maps levels of ``by`` to one value per name in ``names``; levels not in it
    get 0. The join is to a small in-memory table, so it runs on every engine.

    >>> t = ibis.memtable({"ym": [1, 2, 2]})
    >>> with_offsets(t, "ym", {2: [0.5]}, ["o"]).o.sum().execute()
    np.float64(1.0)
    """
    if by is None or offsets is None:
        return table.mutate(**{n: ibis.literal(0.0) for n in names})
    levels = list(offsets)
    data: dict[str, list[object]] = {"_level": levels}
    for c, name in enumerate(names):
        data[name] = [float(offsets[lv][c]) for lv in levels]
    small = ibis.memtable(data).cast(
        {"_level": table[by].type(), **dict.fromkeys(names, "float64")}
    )
    joined = table.left_join(small, table[by] == small["_level"])
    return joined.select(
        *[joined[c] for c in table.columns], *[joined[n].fill_null(0.0).name(n) for n in names]
    )


def linear_combination(
    table: ir.Table, x: Sequence[str], coefficients: np.ndarray, offset: str | None = None
) -> ir.NumericValue:
    """The row expression ``sum_j coefficients[j] * x_j (+ offset column)``."""
    expr: ir.NumericValue = ibis.literal(0.0)
    for name, c in zip(x, coefficients, strict=True):
        if c != 0.0:
            expr = expr + float(c) * table[name]
    if offset is not None:
        expr = expr + table[offset]
    return expr


def cluster_outer_sums(table: ir.Table, cluster: str, u: Sequence[str], e: str) -> ir.Table:
    """Per-cluster score sums ``u_g = sum_i u_i e_i``, aggregated in-engine to ``sum_g u_g u_g'``.

    ``u`` names r row columns (a row of the bread times x_i, or x_i itself); ``e`` names the
    residual column. One row: ``n_clusters``, ``uu_r_s`` (r <= s) and ``ee`` (sum of e^2).
    Only this r x r result leaves the engine, however many clusters there are.

    >>> t = ibis.memtable({"g": [1, 1, 2], "u": [1.0, 2.0, 3.0], "e": [1.0, 1.0, -1.0]})
    >>> cluster_outer_sums(t, "g", ["u"], "e").execute().loc[0, "uu_0_0"]  # 3^2 + (-3)^2
    np.float64(18.0)
    """
    per = table.group_by(cluster).aggregate(
        **{f"u_{r}": (table[name] * table[e]).sum() for r, name in enumerate(u)},
        _ee=(table[e] * table[e]).sum(),
    )
    aggs: dict[str, ir.Scalar] = {"n_clusters": per.count(), "ee": per["_ee"].sum()}
    for r, s in _pairs(len(u)):
        aggs[f"uu_{r}_{s}"] = (per[f"u_{r}"] * per[f"u_{s}"]).sum()
    return per.aggregate(**aggs)


def firm_demeaned(
    table: ir.Table,
    firm: str,
    columns: Sequence[str],
    *,
    drop_singletons: bool = True,
    carry: Sequence[str] = (),
) -> tuple[ir.Table, ir.Table]:
    """The within transformation in two passes: firm means as a table, joined back.

    Returns ``(demeaned, firm_means)``: ``demeaned`` has ``firm`` and each column minus its
    firm mean; ``firm_means`` has ``firm``, ``_n`` (rows of the firm), ``mean_<column>`` and
    the ``carry`` columns (firm-level attributes, their maximum). Firms with one row are
    dropped from ``demeaned`` when ``drop_singletons`` (their demeaned rows are all zero and
    would only inflate N). Subtracting means row by row, never ``sum(x x') - sum(s s') / n``,
    keeps full precision on dollar-scale data.

    >>> t = ibis.memtable({"f": [1, 1, 2], "x": [1.0, 3.0, 5.0]})
    >>> d, m = firm_demeaned(t, "f", ["x"])
    >>> sorted(d.execute()["x"].tolist())   # firm 1: 1 - 2, 3 - 2; firm 2 is a singleton
    [-1.0, 1.0]
    """
    means = table.group_by(firm).aggregate(
        _n=table.count(),
        **{f"mean_{c}": table[c].mean() for c in columns},
        **{c: table[c].max() for c in carry},
    )
    kept = means.filter(means["_n"] > 1) if drop_singletons else means
    kept = kept.select(firm, *[f"mean_{c}" for c in columns])
    joined = table.inner_join(kept, firm)
    demeaned = joined.select(firm, *[(joined[c] - joined[f"mean_{c}"]).name(c) for c in columns])
    return demeaned, means


def logit_pass(
    table: ir.Table,
    x: Sequence[str],
    y: str,
    beta: np.ndarray,
    offset: str | None = None,
    by: str | None = None,
) -> ir.Table:
    """One IRLS pass at ``beta``: ``sum w x x'``, ``sum (y - p) x`` and the log-likelihood.

    ``p = 1 / (1 + exp(-eta))``, ``w = p (1 - p)``, ``eta = x' beta (+ offset)``. Columns as
    :func:`cross_products` with ``weight=w`` and ``y`` replaced by the residual ``y - p``
    (so ``xy_i`` is the score), plus ``loglik`` and ``max_abs_eta``; grouped by ``by`` when
    given. The log-likelihood uses the stable ``y eta - max(eta, 0) - ln(1 + exp(-|eta|))``.
    """
    eta = linear_combination(table, x, beta, offset)
    step = table.mutate(_eta=eta)
    step = step.mutate(_p=1.0 / (1.0 + (-step["_eta"]).exp()))
    step = step.mutate(
        _w=step["_p"] * (1.0 - step["_p"]),
        _r=step[y] - step["_p"],
        _ll=step[y] * step["_eta"]
        - ibis.greatest(step["_eta"], 0.0)
        - (1.0 + (-step["_eta"].abs()).exp()).ln(),
    )
    aggs: dict[str, ir.Scalar] = {
        "n": step.count(),
        "loglik": step["_ll"].sum(),
        "max_abs_eta": step["_eta"].abs().max(),
    }
    for i, j in _pairs(len(x)):
        aggs[f"xx_{i}_{j}"] = (step["_w"] * step[x[i]] * step[x[j]]).sum()
    for i, name in enumerate(x):
        aggs[f"xy_{i}"] = (step["_r"] * step[name]).sum()
    if by is None:
        return step.aggregate(**aggs)
    return step.group_by(by).aggregate(**aggs)
