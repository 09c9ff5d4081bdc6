"""Ibis builders of the sufficient statistics of a regression (private).

Every function here returns an Ibis expression; executing it yields a small table whose
size does not depend on the number of rows. The design is split into k continuous columns
``c`` and categorical factors (industry, size class, year-month) whose dummies are constant
within a *cell* (one combination of factor levels). Per cell the engine sums

    s0 = sum w,  s_i = sum w c_i,  s_i_j = sum w c_i c_j (i <= j),
    t0 = sum v,  t_i = sum v c_i,  yy = sum v^2 (least squares only)

with ``w = 1, v = y`` for least squares and ``w = p(1-p), v = y - p`` for a logit pass;
:func:`econscope.stats._kernels.assemble` turns the cells into X'X and X'y, dummies
included, in NumPy. So a pass computes about k^2/2 sums per row whatever the number of
dummies, and the compiled query stays small. Nothing here executes a query; nothing here
is DuckDB-only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

__all__ = [
    "cell_sums",
    "cluster_outer_sums",
    "cluster_sums",
    "demeaned_by",
    "firm_demeaned",
    "firm_means",
    "linear_combination",
    "logit_cell_sums",
    "residual_scores",
    "with_cell_constants",
]


def _pairs(k: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(k) for j in range(i, k)]


def _moments(
    t: ir.Table, x: Sequence[str], w: str | None, v: ir.NumericValue
) -> dict[str, ir.Scalar]:
    """The cell sums; with a weight, ``t`` must carry ``_wx_i = w x_i`` (one product per
    pair then, not two)."""
    aggs: dict[str, ir.Scalar] = {
        "n": t.count(),
        "s0": t[w].sum() if w is not None else t.count().cast("float64"),
        "t0": v.sum(),
    }
    for i, name in enumerate(x):
        aggs[f"s_{i}"] = (t[f"_wx_{i}"] if w is not None else t[name]).sum()
        aggs[f"t_{i}"] = (v * t[name]).sum()
    for i, j in _pairs(len(x)):
        left = t[f"_wx_{i}"] if w is not None else t[x[i]]
        aggs[f"s_{i}_{j}"] = (left * t[x[j]]).sum()
    return aggs


def _grouped(t: ir.Table, factors: Sequence[str], aggs: dict[str, ir.Scalar]) -> ir.Table:
    return t.group_by(list(factors)).aggregate(**aggs) if factors else t.aggregate(**aggs)


def cell_sums(table: ir.Table, x: Sequence[str], y: str, factors: Sequence[str] = ()) -> ir.Table:
    """Least-squares sufficient statistics per cell of ``factors`` (one row without).

    Columns: the factors, ``n``, ``s0``, ``s_i``, ``s_i_j``, ``t0``, ``t_i`` and ``yy``.

    >>> t = ibis.memtable({"g": ["a", "a", "b"], "c": [1.0, 2.0, 3.0], "y": [0.0, 1.0, 1.0]})
    >>> cell_sums(t, ["c"], "y", ["g"]).order_by("g").execute()[["g", "s0", "s_0_0", "t_0"]]
       g   s0  s_0_0  t_0
    0  a  2.0    5.0  2.0
    1  b  1.0    9.0  3.0
    """
    aggs = _moments(table, x, None, table[y])
    aggs["yy"] = (table[y] * table[y]).sum()
    return _grouped(table, factors, aggs)


def logit_cell_sums(
    table: ir.Table,
    x: Sequence[str],
    y: str,
    beta: np.ndarray,
    offset: str,
    factors: Sequence[str] = (),
    *,
    residuals: bool = False,
) -> ir.Table:
    """One IRLS pass at ``beta``: the weighted cell sums of :func:`cell_sums` with
    ``w = p (1 - p)`` and ``v = y - p`` (so ``t`` is the score), plus ``loglik`` and
    ``max_abs_eta``; ``eta = c' beta + offset`` (the offset column carries the intercept and
    the dummies' coefficients of the row's cell). The log-likelihood uses the stable form
    ``y eta - max(eta, 0) - ln(1 + exp(-|eta|))``. With ``residuals`` it adds ``_ee`` (the
    sum of squared residuals): grouped by cluster and cells, ``t0`` and ``t_j`` are then the
    residual sums the clustered variance needs.
    """
    step = table.mutate(_eta=linear_combination(table, x, beta, offset))
    step = step.mutate(_p=1.0 / (1.0 + (-step["_eta"]).exp()))
    step = step.mutate(
        _w=step["_p"] * (1.0 - step["_p"]),
        _v=step[y] - step["_p"],
        _ll=step[y] * step["_eta"]
        - ibis.greatest(step["_eta"], 0.0)
        - (1.0 + (-step["_eta"].abs()).exp()).ln(),
    )
    step = step.mutate(**{f"_wx_{i}": step["_w"] * step[c] for i, c in enumerate(x)})
    aggs = _moments(step, x, "_w", step["_v"])
    aggs["loglik"] = step["_ll"].sum()
    aggs["max_abs_eta"] = step["_eta"].abs().max()
    if residuals:
        aggs["_ee"] = (step["_v"] * step["_v"]).sum()
    return _grouped(step, factors, aggs)


def with_cell_constants(
    table: ir.Table,
    factors: Sequence[str],
    cells: Mapping[str, Sequence[object]],
    constants: Mapping[str, np.ndarray],
) -> ir.Table:
    """Attach per-cell constants (columns ``constants``) joined on the ``factors``.

    ``cells`` gives the factor values of each cell (one list per factor, equal lengths) and
    ``constants`` one value per cell for each new column. Without factors each constant is
    a single value. The join is to a small in-memory table, so it runs on every engine.

    >>> t = ibis.memtable({"g": ["a", "b", "b"]})
    >>> out = with_cell_constants(t, ["g"], {"g": ["a", "b"]}, {"o": np.array([1.0, 2.0])})
    >>> float(out.o.sum().execute())
    5.0
    """
    if not factors:
        return table.mutate(**{n: ibis.literal(float(v[0])) for n, v in constants.items()})
    keys = {f"_key_{i}": f for i, f in enumerate(factors)}
    data = {k: pa.array(list(cells[f])) for k, f in keys.items()}
    data.update({n: pa.array(np.asarray(v, dtype="float64")) for n, v in constants.items()})
    small = ibis.memtable(pa.table(data)).cast({k: table[f].type() for k, f in keys.items()})
    joined = table.inner_join(small, [table[f] == small[k] for k, f in keys.items()])
    return joined.select(*table.columns, *constants)


def linear_combination(
    table: ir.Table, x: Sequence[str], coefficients: np.ndarray, offset: str | None = None
) -> ir.NumericValue:
    """The row expression ``sum_j coefficients[j] * x_j (+ offset column)``."""
    expr: ir.NumericValue = table[offset] if offset is not None else ibis.literal(0.0)
    for name, c in zip(x, coefficients, strict=True):
        if c != 0.0:
            expr = expr + float(c) * table[name]
    return expr


def residual_scores(
    table: ir.Table, keys: Sequence[str], x: Sequence[str], e: ir.NumericValue
) -> ir.Table:
    """Residual sums per group of ``keys`` (a cluster and its cells): ``_se = sum e``,
    ``_sc_j = sum c_j e`` and ``_ee = sum e^2``.

    Within a cluster and cell every regressor but the k continuous ones is constant, so
    these k + 1 sums carry the cluster's whole score ``sum_i x_i e_i``; the bread is
    applied afterwards on this much shorter table.
    """
    t = table.mutate(_e=e)
    return t.group_by(list(keys)).aggregate(
        _se=t["_e"].sum(),
        _ee=(t["_e"] * t["_e"]).sum(),
        **{f"_sc_{j}": (t[c] * t["_e"]).sum() for j, c in enumerate(x)},
    )


def cluster_sums(table: ir.Table, cluster: str, u: Sequence[str], ee: str) -> ir.Table:
    """Per-cluster sums of the score columns ``u`` (as ``u_r``) and of ``ee`` (as ``_ee``),
    one row per cluster: G x r, for when G is small enough for NumPy's outer products."""
    return table.group_by(cluster).aggregate(
        **{f"u_{r}": table[name].sum() for r, name in enumerate(u)},
        _ee=table[ee].sum(),
    )


def cluster_outer_sums(table: ir.Table, cluster: str, u: Sequence[str], ee: str) -> ir.Table:
    """Per-cluster sums ``u_g`` of the score columns ``u``, aggregated in-engine to
    ``sum_g u_g u_g'``.

    One row: ``n_clusters``, ``uu_r_s`` (r <= s) and ``ee`` (the sum of ``ee``). Only this
    r x r result leaves the engine, however many clusters there are.

    >>> t = ibis.memtable({"g": [1, 1, 2], "u": [1.0, 2.0, -3.0], "ee": [1.0, 1.0, 1.0]})
    >>> float(cluster_outer_sums(t, "g", ["u"], "ee").execute().loc[0, "uu_0_0"])  # 3² + 3²
    18.0
    """
    per = cluster_sums(table, cluster, u, ee)
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
    keep: Sequence[str] = (),
) -> tuple[ir.Table, ir.Table]:
    """The within transformation in two passes: firm means as a table, joined back.

    Returns ``(demeaned, firm_means)``: ``demeaned`` has ``firm``, the ``keep`` columns
    unchanged and each of ``columns`` minus its firm mean; ``firm_means`` has ``firm``,
    ``_n`` (rows of the firm), ``mean_<column>`` and the ``carry`` columns (firm-level
    attributes, their maximum). Firms with one row are dropped from ``demeaned`` when
    ``drop_singletons`` (their demeaned rows are all zero and would only inflate N).
    Subtracting means row by row, never ``sum(x x') - sum(s s') / n``, keeps full precision
    on dollar-scale data.

    >>> t = ibis.memtable({"f": [1, 1, 2], "x": [1.0, 3.0, 5.0]})
    >>> d, m = firm_demeaned(t, "f", ["x"])
    >>> sorted(d.execute()["x"].tolist())   # firm 1: 1 - 2, 3 - 2; firm 2 is a singleton
    [-1.0, 1.0]
    """
    means = firm_means(table, firm, columns, carry=carry)
    return demeaned_by(
        table, means, firm, columns, drop_singletons=drop_singletons, keep=keep
    ), means


def firm_means(
    table: ir.Table, firm: str, columns: Sequence[str], *, carry: Sequence[str] = ()
) -> ir.Table:
    """Per firm: ``_n`` rows, ``mean_<column>`` and the ``carry`` columns (their maximum).

    G rows: small enough to materialise once (``Table.cache``) and reuse in every pass.
    """
    return table.group_by(firm).aggregate(
        _n=table.count(),
        **{f"mean_{c}": table[c].mean() for c in columns},
        **{c: table[c].max() for c in carry},
    )


def demeaned_by(
    table: ir.Table,
    means: ir.Table,
    firm: str,
    columns: Sequence[str],
    *,
    drop_singletons: bool = True,
    keep: Sequence[str] = (),
) -> ir.Table:
    """``table`` joined to its :func:`firm_means`, each of ``columns`` minus its firm mean."""
    kept = means.filter(means["_n"] > 1) if drop_singletons else means
    kept = kept.select(firm, *[f"mean_{c}" for c in columns])
    joined = table.inner_join(kept, firm)
    return joined.select(firm, *keep, *[(joined[c] - joined[f"mean_{c}"]).name(c) for c in columns])
