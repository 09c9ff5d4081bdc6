"""``feols``, ``logit`` and the immutable :class:`Fit` they return."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, cast

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

import econscope.stats._kernels as kernels
import econscope.stats._linear as linear
import econscope.stats._logit as logit_kernel
import econscope.stats._suffstats as suffstats
import econscope.stats._within as within
from econscope.errors import DataError
from econscope.stats._design import Design, FormulaError
from econscope.stats._render import Summary

__all__ = ["TIDY_COLUMNS", "VCOV_KINDS", "Estimator", "Fit", "Vcov", "VcovKind", "feols", "logit"]

#: The variance estimators (CR2 would be one more entry here and in ``_variance``).
VcovKind = Literal["iid", "HC1", "CR1"]
VCOV_KINDS: tuple[VcovKind, ...] = ("iid", "HC1", "CR1")
Estimator = Literal["ols", "logit"]
#: The columns of :meth:`Fit.tidy`.
TIDY_COLUMNS = (
    "term",
    "estimate",
    "std_error",
    "statistic",
    "p_value",
    "conf_low",
    "conf_high",
)


@dataclass(frozen=True)
class Vcov:
    """A variance request: ``kind`` and, for ``CR1``, the ``cluster`` column.

    >>> Vcov.parse({"CR1": "firm_id"}, Design("y", ("x",)))
    Vcov(kind='CR1', cluster='firm_id')
    >>> Vcov.parse(None, Design("y", ("x",), fe=("firm_id",)))   # pyfixest's default
    Vcov(kind='CR1', cluster='firm_id')
    """

    kind: VcovKind
    cluster: str | None = None

    @classmethod
    def parse(cls, spec: object, design: Design, cluster: str | None = None) -> Vcov:
        """``"iid"``, ``"HC1"``, ``"CR1"`` (clustered by ``cluster``, else by the first
        fixed effect), ``{"CR1": column}`` or a :class:`Vcov`; ``None``: ``CR1`` by the
        first fixed effect when there is one, else ``iid``."""
        if isinstance(spec, Vcov):
            return spec
        if spec is None:
            return cls("CR1", design.fe[0]) if design.fe else cls("iid")
        if isinstance(spec, Mapping) and len(spec) == 1:
            ((kind, column),) = spec.items()
            if kind == "CR1" and isinstance(column, str) and column:
                return cls("CR1", column)
        if spec == "iid" or spec == "HC1":
            return cls(spec)
        if spec == "CR1":
            column = cluster or (design.fe[0] if design.fe else None)
            if column is None:
                raise FormulaError(
                    "CR1 needs a cluster column", hint='write vcov={"CR1": "firm_id"}'
                )
            return cls("CR1", column)
        raise FormulaError(
            f"unknown variance {spec!r}",
            hint='use "iid", "HC1", "CR1" or {"CR1": "<cluster column>"}',
        )

    @property
    def label(self) -> str:
        """``CR1 by firm_id``, ``HC1`` or ``iid``."""
        return f"CR1 by {self.cluster}" if self.kind == "CR1" else self.kind


@dataclass(frozen=True, eq=False)
class _Model:
    """What later variance passes need (private): the estimation ``table`` (demeaned with
    fixed effects), ``clean`` the complete rows (every column of the user's table), the
    kernel design (no cluster), the kernel fit with the clustered meat for
    ``meat_cluster`` (when it has one), the link, the fixed-effect level counts and the
    within transformation."""

    table: ir.Table
    clean: ir.Table
    kdesign: linear.KernelDesign
    lf: linear.LinearFit
    meat_cluster: str | None
    link: linear.Link
    fe_levels: tuple[int, ...]
    within: within.Within | None


@dataclass(frozen=True, eq=False)
class Fit:
    """A fitted model, immutable: asking for another variance gives a new ``Fit``.

    Reported terms: ``terms`` (r,), ``beta`` (r,) and ``cov`` (r, r), read-only arrays,
    with ``vcov_type`` (a :class:`Vcov`). ``estimator`` "ols" or "logit"; ``name`` a label
    for messages and tables. Counts: ``n_obs`` rows used, ``n_missing`` rows dropped for a
    missing (null or NaN) value, ``n_singletons`` rows of fixed-effect levels with one row
    (dropped), ``n_clusters`` (CR1; else None), ``n_params`` the K of the small-sample
    correction, ``df_resid`` the t degrees of freedom (None: normal, the logit). Fit:
    ``r2`` (ordinary; within with fixed effects; NaN for the logit), ``loglik`` (logit),
    ``ssr`` the sum of squared residuals (``y - p`` for the logit), ``iterations`` (IRLS).
    ``dropped`` terms removed as collinear. ``means`` every estimated column's
    estimation-sample mean (dummies as shares), which :meth:`predict` fills in;
    ``levels`` each factor's levels in the estimation sample (the base included).
    """

    estimator: Estimator
    name: str
    design: Design
    terms: tuple[str, ...]
    beta: np.ndarray
    cov: np.ndarray
    vcov_type: Vcov
    n_obs: int
    n_missing: int
    n_singletons: int
    n_clusters: int | None
    n_params: int
    df_resid: float | None
    r2: float
    loglik: float
    ssr: float
    iterations: int
    dropped: tuple[str, ...]
    means: Mapping[str, float]
    levels: Mapping[str, tuple[object, ...]]
    _model: _Model = field(repr=False)

    @property
    def formula(self) -> str:
        """The model as a formula (``Design.formula``)."""
        return self.design.formula

    def __repr__(self) -> str:
        return (
            f"<Fit {self.name}: {self.formula}, {self.estimator}, n_obs={self.n_obs:,}, "
            f"vcov={self.vcov_type.label}>"
        )

    def coef(self) -> pd.Series:
        """The estimates by term (a copy)."""
        return pd.Series(np.array(self.beta), index=list(self.terms), name="estimate")

    def se(self) -> pd.Series:
        """The standard errors by term (a copy)."""
        return pd.Series(np.sqrt(np.diag(self.cov)), index=list(self.terms), name="std_error")

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        """One row per reported term: term, estimate, std_error, statistic (t or z),
        p_value (two-sided) and the ``level`` confidence interval (conf_low, conf_high)."""
        inf = kernels.inference(self.beta, self.cov, df=self.df_resid, level=level)
        return pd.DataFrame(
            {
                "term": list(self.terms),
                "estimate": inf.estimate,
                "std_error": inf.std_error,
                "statistic": inf.statistic,
                "p_value": inf.p_value,
                "conf_low": inf.conf_low,
                "conf_high": inf.conf_high,
            },
            columns=list(TIDY_COLUMNS),
        )

    def vcov(self, kind: VcovKind | Mapping[str, str] | Vcov) -> Fit:
        """The same estimates with another variance: a new ``Fit`` (one engine pass).

        ``"iid"``, ``"HC1"``, ``"CR1"`` (by this fit's cluster, else its first fixed
        effect) or ``{"CR1": column}`` with any column of the fitted table.
        """
        m = self._model
        spec = Vcov.parse(kind, self.design, self.vcov_type.cluster)
        table = m.table
        if spec.kind == "CR1" and spec.cluster not in table.columns:
            table = _with_cluster(m, self.design, cast(str, spec.cluster))
        model = dataclasses.replace(m, table=table)
        var = _variance(model, spec, self.design)
        return dataclasses.replace(self, _model=model, **var)

    def predict(
        self,
        newdata: pd.DataFrame | Mapping[str, Any],
        *,
        fill_means: bool = False,
        effect: float | None = None,
    ) -> np.ndarray:
        """Predictions (the linear index; probabilities for the logit) for ``newdata``.

        ``newdata`` gives values of the regressors (``x`` columns) and levels of the
        factors (a dict of scalars is one row). With ``fill_means`` a regressor or factor
        not given takes its estimation-sample mean (a factor's dummies their sample
        shares): the prediction for the average row, not for the base level. A model with
        fixed effects needs ``effect``, the fixed effect to add (e.g. the mean of
        :meth:`fixef`'s ``effect``).
        """
        frame = _frame(newdata)
        n = len(frame)
        values: dict[str, np.ndarray] = {}
        for x in self.design.x:
            values[x] = self._given_or_mean(frame, x, fill_means, n)
        for f in self.design.factors:
            dummies = [t for t in self._model.lf.all_names if t.startswith(f"{f.label}[T.")]
            if f.column in frame.columns:
                levels = frame[f.column].tolist()
                known = {str(v) for v in self.levels[f.column]}
                missing = {str(v) for v in levels} - known
                if missing:
                    raise DataError(
                        f"{self.name}: level(s) {', '.join(sorted(missing))} of {f.column!r} "
                        "were not in the estimation sample",
                        column=f.column,
                        hint="predict only for levels the model estimated",
                    )
                for t in dummies:
                    level = t[len(f.label) + 3 : -1]
                    values[t] = np.array([1.0 if str(v) == level else 0.0 for v in levels])
            else:
                for t in dummies:
                    values[t] = self._given_or_mean(frame, t, fill_means, n, column=f.column)
        if self.design.fe and effect is None:
            raise FormulaError(
                f"{self.name}: a model with fixed effects predicts only given the effect",
                hint="pass effect=..., e.g. the mean of fit.fixef()['effect']",
            )
        eta = np.zeros(n)
        lf = self._model.lf
        for term, b in zip(lf.all_names, lf.all_beta, strict=True):
            if b != 0.0:
                eta = eta + float(b) * (np.ones(n) if term == "Intercept" else values[term])
        eta = (float(effect) if effect is not None else 0.0) + eta
        return 1.0 / (1.0 + np.exp(-eta)) if self.estimator == "logit" else eta

    def _given_or_mean(
        self,
        frame: pd.DataFrame,
        name: str,
        fill_means: bool,
        n: int,
        column: str | None = None,
    ) -> np.ndarray:
        if name in frame.columns:
            given: np.ndarray = frame[name].to_numpy(dtype=float)
            return given
        if fill_means:
            return np.full(n, self.means[name])
        raise DataError(
            f"{self.name}: newdata has no {column or name!r}",
            column=column or name,
            hint="give every regressor and factor, or predict(..., fill_means=True)",
        )

    def fixef(self) -> ir.Table:
        """The first fixed effect's estimated effect per level, as an Ibis table (its
        column, ``n`` rows, ``effect``): ``mean(y) - mean(x)' beta`` over the level's rows
        (with two fixed effects this includes the level's average of the second)."""
        w = self._model.within
        if w is None:
            raise FormulaError(
                f"{self.name} has no fixed effects", hint="fixef() is for models with fe="
            )
        first = self.design.fe[0]
        m = w.means.filter(w.means["_n"] > 1)
        effect = m[f"mean_{self.design.y}"]
        lf = self._model.lf
        for term, b in zip(lf.all_names, lf.all_beta, strict=True):
            if b != 0.0:
                effect = effect - float(b) * m[f"mean_{term}"]
        return m.select(first, n=m["_n"], effect=effect)

    def summary(self) -> Summary:
        """A statsmodels-style summary: text (``str``) and HTML (``_repr_html_``)."""
        return Summary.of(self)


def feols(
    table: ir.Table,
    spec: str | Design,
    *,
    fe: str | Sequence[str] | None = None,
    vcov: VcovKind | Mapping[str, str] | Vcov | None = None,
    name: str | None = None,
) -> Fit:
    """Least squares on any Ibis table, from sufficient statistics in its engine.

    ``spec`` a formula (``"y ~ x1 + C(g) | firm_id"``) or a :class:`Design`; ``fe``
    absorbed fixed effects (as after ``|``); ``vcov`` ``"iid"`` (the default without
    fixed effects), ``"HC1"``, ``{"CR1": column}`` (the default with fixed effects:
    clustered by the first); ``name`` labels messages and tables.

    >>> import ibis
    >>> t = ibis.memtable({"y": [1.0, 2.0, 2.0], "x": [1.0, 2.0, 3.0]})
    >>> feols(t, "y ~ x").coef().round(6).tolist()     # y = 2/3 + x / 2, by hand
    [0.666667, 0.5]
    """
    return _fit(table, _as_design(spec, fe), vcov, "ols", name)


def logit(
    table: ir.Table,
    spec: str | Design,
    *,
    vcov: VcovKind | Mapping[str, str] | Vcov | None = None,
    name: str | None = None,
) -> Fit:
    """Logit by IRLS on any Ibis table (one aggregation pass per Newton step).

    The outcome must be 0/1 (or boolean); a dummy level whose rows all have the same
    outcome is refused (perfect separation). Arguments as :func:`feols`; no fixed effects.
    """
    design = _as_design(spec, None)
    if design.fe:
        raise FormulaError(
            "logit does not absorb fixed effects", hint="enter them as C(column) dummies"
        )
    return _fit(table, design, vcov, "logit", name)


def _as_design(spec: str | Design, fe: str | Sequence[str] | None) -> Design:
    if isinstance(spec, Design):
        if fe is None:
            return spec
        extra = (fe,) if isinstance(fe, str) else tuple(fe)
        return dataclasses.replace(spec, fe=(*spec.fe, *extra))
    return Design.from_formula(spec, fe)


def _fit(
    table: ir.Table,
    design: Design,
    vcov: object,
    estimator: Estimator,
    name: str | None,
) -> Fit:
    label = name or ("logit" if estimator == "logit" else "feols")
    spec = Vcov.parse(vcov, design)
    if design.fe and design.factors:
        raise FormulaError(
            f"{label}: categorical regressors with fixed effects are not supported",
            hint="absorb the categorical as a second fixed effect, or fit without fe=",
        )
    cols = [*design.columns, *([spec.cluster] if spec.cluster else [])]
    for c in cols:
        if c not in table.columns:
            raise DataError(
                f"{label}: the table has no such column",
                column=c,
                hint=f"the table's columns are {', '.join(table.columns)}",
            )
    floats = [design.y, *design.x]
    t = table.mutate(**{c: table[c].cast("float64") for c in floats})
    complete = _complete(t, dict.fromkeys(cols), floats)
    aggs: dict[str, ir.Scalar] = {
        "n_rows": t.count(),
        "n_complete": complete.sum(),
    }
    if estimator == "logit":
        y = t[design.y]
        aggs["bad_y"] = (complete & (y != 0.0) & (y != 1.0)).sum()
    if design.fe:
        aggs.update({f"ss_{c}": ibis.ifelse(complete, t[c] * t[c], 0.0).sum() for c in design.x})
    row = t.aggregate(**aggs).execute().iloc[0]
    n_rows, n_complete = int(row["n_rows"]), int(row["n_complete"] or 0)
    if n_complete == 0:
        raise DataError(
            f"{label}: no complete rows ({n_rows} rows, each missing one of "
            f"{', '.join(dict.fromkeys(cols))})",
            hint="check the columns for nulls and NaN",
        )
    if estimator == "logit" and int(row["bad_y"] or 0):
        raise DataError(
            f"{label}: {int(row['bad_y'])} rows have an outcome other than 0 or 1",
            column=design.y,
            hint="the logit models a 0/1 (or boolean) outcome",
        )
    clean = t.filter(complete)
    w = None
    est = clean
    if design.fe:
        keep = [spec.cluster] if spec.cluster and spec.cluster not in design.fe else []
        w = within.demean(clean, design.fe, floats, keep)
        est = w.table
    kdesign = linear.KernelDesign(
        x=design.x,
        names=design.x,
        y=design.y,
        cluster=None,
        intercept=design.intercept,
        factors=tuple(f.column for f in design.factors),
        bases=tuple(f.base for f in design.factors),
        labels=tuple(f.label for f in design.factors),
        reported=tuple(f.reported for f in design.factors),
        raw_ss=tuple(float(row[f"ss_{c}"] or 0.0) for c in design.x) if design.fe else None,
    )
    # The clustered meat comes with the fit (the logit's from its last IRLS pass).
    kd = dataclasses.replace(kdesign, cluster=spec.cluster if spec.kind == "CR1" else None)
    if estimator == "logit":
        lf = logit_kernel.fit_logit(est, kd, label)
    else:
        lf = linear.fit_linear(est, kd, label)
    link: linear.Link = "logit" if estimator == "logit" else "identity"
    model = _Model(est, clean, kdesign, lf, kd.cluster, link, w.levels if w else (), w)
    means = (
        {c: w.x_means[c] for c in design.x}
        if w is not None
        else dict(zip(lf.all_names, lf.all_means.tolist(), strict=True))
    )
    var = _variance(model, spec, design)
    return Fit(
        estimator=estimator,
        name=label,
        design=design,
        n_obs=lf.n_obs,
        n_missing=n_rows - n_complete,
        n_singletons=w.singleton_rows if w else 0,
        loglik=lf.loglik,
        iterations=lf.iterations,
        dropped=lf.dropped,
        means=_readonly(means),
        levels=MappingProxyType(
            {
                f.column: tuple(sorted(lf.prep.frame[f.column].unique().tolist()))
                for f in design.factors
            }
        ),
        _model=model,
        **var,
    )


def _complete(t: ir.Table, cols: Mapping[str, None], floats: Sequence[str]) -> ir.BooleanValue:
    ok: ir.BooleanValue = ibis.literal(True)
    for c in cols:
        ok = ok & t[c].notnull()
    for c in floats:
        ok = ok & ~t[c].isnan().fill_null(True)
    return ok


def _with_cluster(m: _Model, design: Design, cluster: str) -> ir.Table:
    """The estimation table carrying another cluster column (pooled: the clean rows;
    one fixed effect: demeaned again, lazily, keeping it)."""
    if cluster not in m.clean.columns:
        raise DataError(
            "the fitted table has no such column",
            column=cluster,
            hint=f"cluster by one of {', '.join(m.clean.columns)}",
        )
    nulls = int(m.clean[cluster].isnull().sum().execute())
    if nulls:
        raise DataError(
            f"{nulls} rows of the estimation sample have no cluster",
            column=cluster,
            hint="cluster by a column known on every row",
        )
    if m.within is None:
        return m.clean
    if len(design.fe) > 1:
        raise FormulaError(
            f"with two fixed effects the clusters are fixed at fit time ({cluster!r} was not "
            "among them)",
            hint=f'refit with vcov={{"CR1": "{cluster}"}}',
        )
    floats = [design.y, *design.x]
    return suffstats.demeaned_by(m.clean, m.within.means, design.fe[0], floats, keep=[cluster])


def _variance(m: _Model, spec: Vcov, design: Design) -> dict[str, Any]:
    """The Fit fields that depend on the variance: terms, beta, cov, vcov_type, counts,
    the small-sample K, the t degrees of freedom, ssr and R²."""
    lf, kd = m.lf, m.kdesign
    n = lf.n_obs
    fe_total = sum(m.fe_levels) - max(len(m.fe_levels) - 1, 0)
    rep = list(lf.rep)
    n_clusters: int | None = None
    if spec.kind == "CR1":
        cluster = cast(str, spec.cluster)
        if lf.meat is not None and m.meat_cluster == cluster:
            meat, n_clusters, ssr = lf.meat, lf.n_clusters, lf.ssr
        else:
            meat, _, n_clusters, ssr = linear.sandwich(
                m.table, kd, lf.prep, np.asarray(lf.all_beta), lf.bread, m.link, cluster
            )
        # A fixed effect nested in the clusters (here: the cluster column itself) counts
        # once (pyfixest k_fixef="nonnested"); the others with all their levels.
        nested = [f for f in design.fe if f == cluster]
        k_fe = sum(lv for f, lv in zip(design.fe, m.fe_levels, strict=True) if f != cluster)
        k = lf.n_kept + k_fe + (1 if nested else 0) - max(len(design.fe) - 1, 0)
        cov = kernels.cluster_correction(n, k, n_clusters) * meat
        df: float | None = n_clusters - 1
    elif spec.kind == "HC1":
        meat, ssr = linear.hetero(m.table, kd, lf.prep, np.asarray(lf.all_beta), lf.bread, m.link)
        k = lf.n_kept + fe_total
        cov = n / (n - k) * meat if n > k else np.full_like(meat, np.nan)
        df = n - k
    else:
        ssr = linear.residual_ss(m.table, kd, lf.prep, np.asarray(lf.all_beta), m.link)
        k = lf.n_kept + fe_total
        bread = lf.bread[np.ix_(rep, rep)]
        if m.link == "logit":
            cov = bread
        else:
            cov = ssr / (n - k) * bread if n > k else np.full_like(bread, np.nan)
        df = n - k
    if m.link == "logit":
        df = None
        r2 = float("nan")
    elif design.fe:
        r2 = 1.0 - ssr / lf.yty  # within R²: y is demeaned, so yty is its TSS
    else:
        r2 = 1.0 - ssr / (lf.yty - lf.sum_y**2 / n) if design.intercept else float("nan")
    return {
        "terms": lf.names,
        "beta": lf.beta,
        "cov": _frozen(cov),
        "vcov_type": spec,
        "n_clusters": n_clusters,
        "n_params": k,
        "df_resid": None if df is None else float(df),
        "r2": float(r2),
        "ssr": float(ssr),
    }


def _frame(newdata: pd.DataFrame | Mapping[str, Any]) -> pd.DataFrame:
    if isinstance(newdata, pd.DataFrame):
        return newdata
    if all(np.ndim(v) == 0 for v in newdata.values()):
        return pd.DataFrame({k: [v] for k, v in newdata.items()})
    return pd.DataFrame(dict(newdata))


def _frozen(a: np.ndarray) -> np.ndarray:
    out = np.array(a, dtype=float)
    out.setflags(write=False)
    return out


def _readonly(d: Mapping[str, float]) -> Mapping[str, float]:
    return MappingProxyType(dict(d))
