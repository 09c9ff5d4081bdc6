"""The three models of revolving: pooled LPM, logit, and LPM with firm fixed effects.

Each is a :class:`~econscope.stats.Design` (:func:`designs`) fitted by
:mod:`econscope.stats` (sufficient statistics in the engine, NumPy solves), with standard
errors clustered by firm. See docs/models.md for the formulas and which peer call each
model equals.

Terms: ``Intercept``; the covariates ``revenues``, ``expenses``, ``net_cash_flow``, ``adb``
(thousands of 2022 dollars) and ``cash_buffer_days``; in the pooled models the dummies
``industry[T.<level>]`` (base: the alphabetically first industry in the sample) and
``size_class[T.<level>]`` (base: ``small``; else the alphabetically first level); with
``results.year_month_effects`` the pooled models add year-month dummies (base: the first
month; not reported) and the fixed-effects model adds year-month effects (absorbed).

>>> import numpy as np, pyarrow as pa
>>> from econscope.engine import connect
>>> rng = np.random.default_rng(1)
>>> n, firm = 400, rng.integers(0, 40, 400)
>>> panel = connect().create_table("panel", pa.table({
...     "firm_id": [f"f{i}" for i in firm], "revolving": rng.uniform(size=n) < 0.4,
...     "revenues_real": rng.uniform(1e4, 5e4, n), "expenses_real": rng.uniform(1e4, 5e4, n),
...     "net_cash_flow_real": rng.normal(0, 5e3, n), "adb_real": rng.uniform(1e3, 1e5, n),
...     "cash_buffer_days": rng.uniform(0, 90, n),
...     "industry": np.array(["retail", "construction"])[firm % 2],
...     "size_class": np.array(["small", "large"])[(firm // 2) % 2],
...     "year": np.full(n, 2019), "month": rng.integers(1, 13, n)}))
>>> res = fit_models(panel)
>>> res.fit[["model", "n_obs", "n_firms"]].values.tolist()
[['lpm', 400, 40], ['logit', 400, 40], ['fe_lpm', 400, 40]]
>>> res.coefficients.query("model == 'lpm'").term.tolist()  # doctest: +NORMALIZE_WHITESPACE
['Intercept', 'revenues', 'expenses', 'net_cash_flow', 'adb', 'cash_buffer_days',
 'industry[T.retail]', 'size_class[T.large]']
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from econscope.config import Settings
from econscope.errors import DataError, EconscopeWarning
from econscope.smallbiz.tables import (
    COVARIATES,
    MODEL_COLUMNS,
    MODEL_FIT_COLUMNS,
    MODEL_LABELS,
    MODELS,
    TABLES,
    ModelName,
)
from econscope.stats import Design, ETable, Factor, Fit, etable, feols, logit

__all__ = [
    "COVARIATE_SOURCES",
    "ModelResults",
    "RowCounts",
    "designs",
    "fit_models",
    "prediction_tables",
]

#: term (:data:`~econscope.smallbiz.tables.COVARIATES`) -> (panel column, factor to the
#: model's unit: money in thousands)
COVARIATE_SOURCES: Mapping[str, tuple[str, float]] = MappingProxyType(
    {
        "revenues": ("revenues_real", 1e-3),
        "expenses": ("expenses_real", 1e-3),
        "net_cash_flow": ("net_cash_flow_real", 1e-3),
        "adb": ("adb_real", 1e-3),
        "cash_buffer_days": ("cash_buffer_days", 1.0),
    }
)
_SIZE_BASE = "small"
_Y = "_y"
_FIRM = "firm_id"
_YM = "_ym"
#: Every model's standard errors are clustered by firm (CR1).
CLUSTER: Mapping[str, str] = MappingProxyType({"CR1": _FIRM})


def designs(year_month_effects: bool = False) -> Mapping[ModelName, Design]:
    """The three models as designs on the model table (:func:`fit_models` builds it).

    Pooled (lpm, logit): Intercept, the covariates, ``industry[T.<level>]`` (base: the
    first industry in sort order), ``size_class[T.<level>]`` (base: ``small``), and with
    ``year_month_effects`` unreported ``year_month[T.<yyyymm>]`` dummies. fe_lpm: the
    covariates with firm effects absorbed (and year-month effects with the option).

    >>> designs()["fe_lpm"].formula
    '_y ~ revenues + expenses + net_cash_flow + adb + cash_buffer_days | firm_id'
    """
    ym = (Factor(_YM, label="year_month", reported=False),) if year_month_effects else ()
    pooled = Design(
        y=_Y,
        x=COVARIATES,
        factors=(Factor("industry"), Factor("size_class", base=_SIZE_BASE), *ym),
    )
    fe = Design(y=_Y, x=COVARIATES, fe=(_FIRM, *((_YM,) if year_month_effects else ())))
    return MappingProxyType({"lpm": pooled, "logit": pooled, "fe_lpm": fe})


@dataclass(frozen=True)
class RowCounts:
    """The row accounting of the models: ``rows_in`` panel rows; dropped for a missing
    outcome or covariate; singleton-firm rows dropped from fe_lpm; rows of perfectly
    separated levels dropped from the logit."""

    rows_in: int
    dropped_missing_outcome: int
    dropped_missing_covariate: int
    dropped_singletons: int
    dropped_separated_logit: int


@dataclass(frozen=True, eq=False)
class ModelResults:
    """The three fits (:class:`~econscope.stats.Fit`, immutable) and what the figures need.

    ``industries`` of the sample (sorted); ``fe_mean_effect`` the mean firm effect over the
    FE sample's firms and ``fe_industry_effect`` that mean over each industry's firms;
    ``industry_firms`` per model, firms of each industry in its estimation sample;
    ``rows`` the row accounting.
    """

    lpm: Fit
    logit: Fit
    fe_lpm: Fit
    rows: RowCounts
    industries: tuple[str, ...]
    fe_mean_effect: float
    fe_industry_effect: Mapping[str, float]
    industry_firms: Mapping[ModelName, Mapping[str, int]]
    year_month_effects: bool

    def fit_of(self, model: ModelName) -> Fit:
        """The fit of ``model``."""
        fit: Fit = getattr(self, model)
        return fit

    def etable(self) -> ETable:
        """The three models side by side (:func:`econscope.stats.etable`), unsuppressed: the
        analyst's view. Estimates with stars, clustered SEs in parentheses below, N
        observations, N clusters (firms), R² (within for FE), log-likelihood, and whether
        firm and year-month effects are in. The published, suppressed table is
        :func:`econscope.report.tables.regression_table`."""
        ym = "yes" if self.year_month_effects else "no"
        return etable(
            [self.fit_of(m) for m in MODELS],
            labels=[MODEL_LABELS[m] for m in MODELS],
            extra_rows={
                "Firm fixed effects": ["yes" if m == "fe_lpm" else "no" for m in MODELS],
                "Year-month effects": [ym for _ in MODELS],
            },
        )

    @property
    def coefficients(self) -> pd.DataFrame:
        """One row per model and term (models.csv): estimate, clustered SE, t or z,
        p-value, 95% CI."""
        frames = [self.fit_of(m).tidy().assign(model=m) for m in MODELS]
        return pd.concat(frames, ignore_index=True)[list(MODEL_COLUMNS)]

    @property
    def fit(self) -> pd.DataFrame:
        """One row per model (models_fit.csv): n_obs, n_firms, r2 (ordinary for lpm, within
        for fe_lpm), log_likelihood (logit)."""
        rows = [
            {
                "model": m,
                "n_obs": f.n_obs,
                "n_firms": f.n_clusters,
                "r2": f.r2,
                "log_likelihood": f.loglik,
            }
            for m in MODELS
            for f in (self.fit_of(m),)
        ]
        return pd.DataFrame(rows)[list(MODEL_FIT_COLUMNS)]


@dataclass(frozen=True)
class _Sample:
    """The model table (complete rows), its row accounting and the designs."""

    clean: ir.Table
    rows: Mapping[str, int]
    designs: Mapping[ModelName, Design]


def _sample(panel: ir.Table, settings: Settings) -> _Sample:
    clean, rows = _prepare(panel)
    return _Sample(clean, rows, designs(settings.results.year_month_effects))


def _logit_sample(sample: _Sample) -> tuple[ir.Table, int, dict[str, tuple[str, ...]]]:
    """The logit's rows: the sample less every factor level whose rows all have the same
    outcome (perfect separation: that level's coefficient would be infinite).

    As fixest does for separated fixed effects, such rows are dropped, counted and named in
    an :class:`~econscope.errors.EconscopeWarning`; the level gets no logit prediction.
    Dropping one level's rows can separate another, so the check repeats until none is.
    """
    table = sample.clean
    factors = [f.column for f in sample.designs["logit"].factors]
    dropped: dict[str, list[str]] = {}
    for _ in range(len(factors) * 50):
        found = False
        for factor in factors:
            by = table.group_by(factor).aggregate(n=table.count(), ones=table[_Y].sum())
            sep = by.filter((by.ones == 0) | (by.ones == by.n))[factor].to_pyarrow().to_pylist()
            if sep:
                found = True
                dropped.setdefault(factor, []).extend(str(level) for level in sep)
                table = table.filter(~table[factor].isin(sep))
        if not found:
            break
    if not dropped:
        return table, 0, {}
    removed = int(sample.clean.count().execute()) - int(table.count().execute())
    levels = "; ".join(f"{f}: {', '.join(sorted(v))}" for f, v in sorted(dropped.items()))
    warnings.warn(
        f"logit: dropped {removed:,} rows whose level has one outcome only (perfect "
        f"separation) - {levels}. Their logit coefficient and prediction are not estimated",
        EconscopeWarning,
        stacklevel=3,
    )
    return table, removed, {f: tuple(sorted(v)) for f, v in dropped.items()}


def _firms_per_industry(table: ir.Table) -> dict[str, int]:
    """Distinct firms per industry in an estimation sample (one small aggregate)."""
    per = table.group_by("industry").aggregate(firms=table[_FIRM].nunique()).to_pyarrow()
    return dict(zip(per["industry"].to_pylist(), per["firms"].to_pylist(), strict=True))


def _fit_one(panel: ir.Table, model: ModelName, settings: Settings | None = None) -> Fit:
    """One model alone (the benchmark times each model by itself)."""
    sample = _sample(panel, settings or Settings())
    design = sample.designs[model]
    if model == "logit":
        return logit(_logit_sample(sample)[0], design, vcov=CLUSTER, name=model)
    return feols(sample.clean, design, vcov=CLUSTER, name=model)


def fit_models(panel: ir.Table, settings: Settings | None = None) -> ModelResults:
    """Fit the three models of ``revolving`` on a panel (DESIGN.md panel schema).

    Rows with a null outcome or covariate are dropped and counted (``rows``); firms with one
    row are dropped from the fixed-effects model (as pyfixest does) and counted.
    """
    settings = settings or Settings()
    sample = _sample(panel, settings)
    lpm = feols(sample.clean, sample.designs["lpm"], vcov=CLUSTER, name="lpm")
    logit_table, separated_rows, separated = _logit_sample(sample)
    logit_fit = logit(logit_table, sample.designs["logit"], vcov=CLUSTER, name="logit")
    fe = feols(sample.clean, sample.designs["fe_lpm"], vcov=CLUSTER, name="fe_lpm")
    effects = _firm_effects(sample.clean, fe)
    rows = RowCounts(
        **sample.rows,
        dropped_singletons=fe.n_singletons,
        dropped_separated_logit=separated_rows,
    )
    all_firms = effects.all_firms
    logit_firms = _firms_per_industry(logit_table) if separated else all_firms
    return ModelResults(
        lpm=lpm,
        logit=logit_fit,
        fe_lpm=fe,
        rows=rows,
        industries=tuple(sorted(all_firms)),
        fe_mean_effect=effects.mean_effect,
        fe_industry_effect=MappingProxyType(effects.industry_effect),
        industry_firms=MappingProxyType(
            {
                "lpm": MappingProxyType(all_firms),
                "logit": MappingProxyType(logit_firms),
                "fe_lpm": MappingProxyType(effects.industry_firms),
            }
        ),
        year_month_effects=settings.results.year_month_effects,
    )


def _column(panel: ir.Table, name: str) -> ir.Column:
    if name not in panel.columns:
        raise DataError(
            "the panel has no such column",
            column=name,
            hint="build the panel with econscope.smallbiz.panel.build_panel (DESIGN.md schema)",
        )
    return panel[name]


def _prepare(panel: ir.Table) -> tuple[ir.Table, dict[str, int]]:
    """The model table (firm_id, _y, covariates in model units, industry, size_class,
    _ym) of the complete rows, and the row accounting."""
    y = _column(panel, "revolving")
    cols: dict[str, ir.Value] = {
        _FIRM: _column(panel, _FIRM).cast("string"),
        _Y: ibis.ifelse(y.cast("boolean"), 1.0, 0.0).cast("float64"),
        "_y_missing": y.isnull(),
        "industry": _column(panel, "industry").cast("string"),
        "size_class": _column(panel, "size_class").cast("string"),
        _YM: _column(panel, "year").cast("int64") * 100 + _column(panel, "month").cast("int64"),
    }
    for term, (source, factor) in COVARIATE_SOURCES.items():
        cols[term] = _column(panel, source).cast("float64") * factor
    t = panel.select(**cols)
    others = [t[c].isnull() for c in (*COVARIATE_SOURCES, "industry", "size_class", _YM, _FIRM)]
    cov_missing = others[0]
    for m in others[1:]:
        cov_missing = cov_missing | m
    # NaN from the engine counts as missing too (a float covariate may be NaN, not NULL).
    for c in COVARIATE_SOURCES:
        cov_missing = cov_missing | t[c].isnan().fill_null(True)
    t = t.mutate(_x_missing=cov_missing)
    complete = ~t["_y_missing"] & ~t["_x_missing"]
    counts = t.aggregate(
        rows_in=t.count(),
        dropped_missing_outcome=t["_y_missing"].sum(),
        dropped_missing_covariate=(~t["_y_missing"] & t["_x_missing"]).sum(),
    ).execute()
    row = counts.iloc[0]
    rows = {
        k: int(row[k] or 0)
        for k in ("rows_in", "dropped_missing_outcome", "dropped_missing_covariate")
    }
    if rows["rows_in"] == rows["dropped_missing_outcome"] + rows["dropped_missing_covariate"]:
        raise DataError(
            f"no complete rows to fit the models on ({rows['rows_in']} rows, "
            f"{rows['dropped_missing_outcome']} without revolving, "
            f"{rows['dropped_missing_covariate']} with a missing covariate)",
            hint="check that the panel has rows with revolving and every covariate known",
        )
    clean = t.filter(complete).drop("_y_missing", "_x_missing")
    return clean, rows


@dataclass(frozen=True)
class _FirmEffects:
    """The FE model's firm effects summarised: ``mean_effect`` over its firms,
    ``industry_effect`` over each industry's, ``industry_firms`` its firms per industry,
    ``all_firms`` the sample's firms per industry (singletons included)."""

    mean_effect: float
    industry_effect: dict[str, float]
    industry_firms: dict[str, int]
    all_firms: dict[str, int]


def _firm_effects(clean: ir.Table, fe: Fit) -> _FirmEffects:
    """Firm effect = firm mean of y - firm means of x'beta (``Fit.fixef``), averaged over
    firms and over each industry's firms (one small aggregate over G firms)."""
    industry = clean.group_by(_FIRM).aggregate(industry=clean["industry"].max())
    effects = fe.fixef()
    j = industry.left_join(effects, industry[_FIRM] == effects[_FIRM])
    has = j["effect"].notnull()
    per = (
        j.group_by("industry")
        .aggregate(
            all_firms=j.count(),
            firms=has.sum(),
            sum_alpha=ibis.ifelse(has, j["effect"], 0.0).sum(),
        )
        .execute()
        .sort_values("industry")
    )
    firms = per["firms"].astype(int)
    present = per[firms > 0]
    return _FirmEffects(
        mean_effect=float(per["sum_alpha"].sum()) / int(firms.sum()),
        industry_effect={
            str(r.industry): float(r.sum_alpha) / int(r.firms) for r in present.itertuples()
        },
        industry_firms={str(r.industry): int(r.firms) for r in present.itertuples()},
        all_firms={str(r.industry): int(r.all_firms) for r in per.itertuples()},
    )


def prediction_tables(
    results: ModelResults, settings: Settings | None = None
) -> dict[str, pd.DataFrame]:
    """fig08 and fig09: predicted probabilities of revolving from each model
    (:meth:`~econscope.stats.Fit.predict`).

    fig08: cash buffer days 0..``results.buffer_days_grid_max``, every other regressor at
    its estimation-sample mean (industry, size and year-month dummies at their sample
    shares). fig09: each industry (its dummy set to 1, the others 0) at ADB
    ``results.predict_adb`` (2022 $) and ``results.predict_buffer_days``, the rest at their
    means. The FE model predicts at the mean firm effect (fig08) and at the mean effect of
    the industry's firms (fig09: industry is absorbed by the firm effects). n_firms: firms in
    the model's estimation sample (fig09: of that industry). Keys: "fig08", "fig09".
    """
    cfg = (settings or Settings()).results
    grid = np.arange(0, cfg.buffer_days_grid_max + 1, dtype=float)
    f08: list[pd.DataFrame] = []
    f09: list[tuple[str, str, float, int]] = []
    for model in MODELS:
        fit = results.fit_of(model)
        fe = model == "fe_lpm"
        value = fit.predict(
            {"cash_buffer_days": grid},
            fill_means=True,
            effect=results.fe_mean_effect if fe else None,
        )
        f08.append(
            pd.DataFrame(
                {
                    "model": model,
                    "cash_buffer_days": grid.astype(int),
                    "value": value,
                    "n_firms": fit.n_clusters,
                }
            )
        )
        at = {"cash_buffer_days": cfg.predict_buffer_days, "adb": cfg.predict_adb / 1000.0}
        for ind in results.industries:
            if fe:
                if ind not in results.fe_industry_effect:
                    continue
                p = fit.predict(at, fill_means=True, effect=results.fe_industry_effect[ind])
            else:
                if ind not in results.industry_firms[model]:
                    continue  # the level was not estimated (e.g. separated in the logit)
                p = fit.predict({**at, "industry": ind}, fill_means=True)
            n = results.industry_firms[model].get(ind, 0)
            f09.append((model, ind, float(p[0]), n))
    fig08 = pd.concat(f08, ignore_index=True)
    fig09 = pd.DataFrame(f09, columns=["model", "industry", "value", "n_firms"])
    out = {}
    for name, frame in (("fig08", fig08), ("fig09", fig09)):
        frame["measure"] = "predicted_probability"
        frame["suppressed"] = False
        frame["n_firms"] = frame["n_firms"].astype("int64")
        out[name] = frame[list(TABLES[name].columns)]
    return out
