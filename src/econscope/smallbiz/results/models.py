"""The three models of revolving: pooled LPM, logit, and LPM with firm fixed effects.

Each is estimated inside the engine from sufficient statistics (X'X, X'y, per-firm score
sums aggregated to k x k, firm means for the within transformation, one aggregation pass
per IRLS iteration for the logit) and solved in NumPy, so it runs on as many firm-cycles as
the engine can scan. Standard errors are clustered by firm. See docs/models.md for the
formulas and which peer call each model equals.

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
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from econscope._stats import kernels
from econscope._stats.linear import Design, LinearFit, fit_linear
from econscope._stats.logit import fit_logit
from econscope._stats.suffstats import demeaned_by, firm_demeaned, firm_means
from econscope.config import Settings
from econscope.errors import DataError, EconscopeWarning
from econscope.report._format import stars as _stars
from econscope.smallbiz.tables import MODEL_COLUMNS, MODEL_FIT_COLUMNS, TABLES

__all__ = [
    "COVARIATES",
    "MODELS",
    "ModelName",
    "ModelResults",
    "fit_models",
    "prediction_tables",
    "regression_table",
]

ModelName = Literal["lpm", "logit", "fe_lpm"]
MODELS: tuple[ModelName, ...] = ("lpm", "logit", "fe_lpm")
MODEL_LABELS: Mapping[str, str] = MappingProxyType(
    {"lpm": "LPM", "logit": "Logit", "fe_lpm": "LPM, firm FE"}
)
#: term -> (panel column, factor to the model's unit)
COVARIATES: Mapping[str, tuple[str, float]] = MappingProxyType(
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


@dataclass(frozen=True)
class ModelResults:
    """The fitted models, immutable.

    ``coefficients`` (columns ``MODEL_COLUMNS``) and ``fit`` (``MODEL_FIT_COLUMNS``; r2 is
    the ordinary R² for ``lpm`` and the within R² for ``fe_lpm``; log_likelihood for
    ``logit``) are returned as fresh copies. ``fits`` holds each model's estimates;
    ``means`` each model's estimation-sample means of its regressors (term -> mean; dummies,
    year-month ones included, as shares);
    ``fe_mean_effect`` the mean firm effect over the FE sample's firms and
    ``fe_industry_effect`` that mean over each industry's firms; ``industry_firms`` per
    model, firms of each industry in its estimation sample; ``rows`` the row accounting
    (rows_in, dropped_missing_outcome, dropped_missing_covariate, dropped_singletons,
    dropped_separated_logit).
    """

    fits: Mapping[str, LinearFit]
    means: Mapping[str, Mapping[str, float]]
    industries: tuple[str, ...]
    industry_base: str | None
    fe_mean_effect: float
    fe_industry_effect: Mapping[str, float]
    industry_firms: Mapping[str, Mapping[str, int]]
    rows: Mapping[str, int]
    year_month_effects: bool
    _coefficients: pd.DataFrame = field(repr=False)
    _fit: pd.DataFrame = field(repr=False)

    @property
    def coefficients(self) -> pd.DataFrame:
        """One row per model and term: estimate, clustered SE, t or z, p-value, 95% CI."""
        return self._coefficients.copy()

    @property
    def fit(self) -> pd.DataFrame:
        """One row per model: n_obs, n_firms, r2 (LPMs), log_likelihood (logit)."""
        return self._fit.copy()

    def __hash__(self) -> int:
        return id(self)


@dataclass(frozen=True)
class _Sample:
    """The estimation sample and the designs built from it (one set of small queries)."""

    clean: ir.Table
    rows: Mapping[str, int]
    raw_ss: Mapping[str, float]
    pooled: Design
    year_month_effects: bool


def _sample(panel: ir.Table, settings: Settings) -> _Sample:
    ym = settings.results.year_month_effects
    clean, rows, raw_ss = _prepare(panel)
    pooled = Design(
        x=tuple(COVARIATES),
        names=tuple(COVARIATES),
        y=_Y,
        cluster=_FIRM,
        intercept=True,
        factors=("industry", "size_class", *((_YM,) if ym else ())),
        bases=(None, _SIZE_BASE, *((None,) if ym else ())),
        labels=("industry", "size_class", *(("year_month",) if ym else ())),
        reported=(True, True, *((False,) if ym else ())),
    )
    return _Sample(clean, rows, raw_ss, pooled, ym)


def _logit_sample(sample: _Sample) -> tuple[ir.Table, int, dict[str, tuple[str, ...]]]:
    """The logit's rows: the sample less every factor level whose rows all have the same
    outcome (perfect separation: that level's coefficient would be infinite).

    As fixest does for separated fixed effects, such rows are dropped, counted and named in
    an :class:`~econscope.errors.EconscopeWarning`; the level gets no logit prediction.
    Dropping one level's rows can separate another, so the check repeats until none is.
    """
    table = sample.clean
    dropped: dict[str, list[str]] = {}
    for _ in range(len(sample.pooled.factors) * 50):
        found = False
        for factor in sample.pooled.factors:
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


def _fit_fe(sample: _Sample) -> tuple[LinearFit, dict]:
    """The FE-LPM and its firm-effect summary (mean effects, firms, means, singletons)."""
    fe_cols = [_Y, *COVARIATES]
    if sample.year_month_effects:
        fe, means, n_months = _two_way_demeaned(sample.clean, fe_cols)
    else:
        # G rows, materialised once: every later pass joins it instead of regrouping.
        means = firm_means(sample.clean, _FIRM, fe_cols, carry=("industry",)).cache()
        fe = demeaned_by(sample.clean, means, _FIRM, fe_cols)
        n_months = 1  # pyfixest: the firm effects nested in the clusters count once
    fe_design = Design(
        x=tuple(COVARIATES),
        names=tuple(COVARIATES),
        y=_Y,
        cluster=_FIRM,
        intercept=False,
        raw_ss=tuple(sample.raw_ss[c] for c in COVARIATES),
        extra_params=n_months,
    )
    fit = fit_linear(fe, fe_design, "fe_lpm")
    summary = _firm_effects(means, fit)
    if not sample.year_month_effects:
        means.release()
    return fit, summary


def _fit_one(panel: ir.Table, model: ModelName, settings: Settings | None = None) -> LinearFit:
    """One model alone (the benchmark times each model by itself)."""
    sample = _sample(panel, settings or Settings())
    if model == "lpm":
        return fit_linear(sample.clean, sample.pooled, "lpm")
    if model == "logit":
        return fit_logit(_logit_sample(sample)[0], sample.pooled, "logit")
    return _fit_fe(sample)[0]


def fit_models(panel: ir.Table, settings: Settings | None = None) -> ModelResults:
    """Fit the three models of ``revolving`` on a panel (DESIGN.md panel schema).

    Rows with a null outcome or covariate are dropped and counted (``rows``); firms with one
    row are dropped from the fixed-effects model (as pyfixest does) and counted.
    """
    settings = settings or Settings()
    sample = _sample(panel, settings)
    lpm = fit_linear(sample.clean, sample.pooled, "lpm")
    logit_table, separated_rows, separated = _logit_sample(sample)
    logit = fit_logit(logit_table, sample.pooled, "logit")
    fe_fit, fe_summary = _fit_fe(sample)
    rows = {
        **sample.rows,
        "dropped_singletons": fe_summary["singleton_rows"],
        "dropped_separated_logit": separated_rows,
    }
    ind_firms = fe_summary["all_firms"]
    logit_firms = _firms_per_industry(logit_table) if separated else ind_firms
    industries = sorted(ind_firms)
    ym = sample.year_month_effects

    fits = {"lpm": lpm, "logit": logit, "fe_lpm": fe_fit}
    means_by_model = {
        m: MappingProxyType(dict(zip(f.all_names, f.all_means.tolist(), strict=True)))
        for m, f in fits.items()
        if m != "fe_lpm"
    }
    means_by_model["fe_lpm"] = MappingProxyType(fe_summary["means"])
    return ModelResults(
        fits=MappingProxyType(fits),
        means=MappingProxyType(means_by_model),
        industries=tuple(industries),
        industry_base=industries[0],
        fe_mean_effect=fe_summary["mean_effect"],
        fe_industry_effect=MappingProxyType(fe_summary["industry_effect"]),
        industry_firms=MappingProxyType(
            {
                "lpm": MappingProxyType(ind_firms),
                "logit": MappingProxyType(logit_firms),
                "fe_lpm": MappingProxyType(fe_summary["industry_firms"]),
            }
        ),
        rows=MappingProxyType(rows),
        year_month_effects=ym,
        _coefficients=_coefficient_table(fits),
        _fit=_fit_table(fits),
    )


def _column(panel: ir.Table, name: str) -> ir.Column:
    if name not in panel.columns:
        raise DataError(
            "the panel has no such column",
            column=name,
            hint="build the panel with econscope.smallbiz.panel.build_panel (DESIGN.md schema)",
        )
    return panel[name]


def _prepare(panel: ir.Table) -> tuple[ir.Table, dict[str, int], dict[str, float]]:
    """The model table (firm_id, _y, covariates in model units, industry, size_class,
    _ym), the row accounting, and each covariate's sum of squares on complete rows."""
    y = _column(panel, "revolving")
    cols: dict[str, ir.Value] = {
        _FIRM: _column(panel, _FIRM).cast("string"),
        _Y: ibis.ifelse(y.cast("boolean"), 1.0, 0.0).cast("float64"),
        "_y_missing": y.isnull(),
        "industry": _column(panel, "industry").cast("string"),
        "size_class": _column(panel, "size_class").cast("string"),
        _YM: _column(panel, "year").cast("int64") * 100 + _column(panel, "month").cast("int64"),
    }
    for term, (source, factor) in COVARIATES.items():
        cols[term] = _column(panel, source).cast("float64") * factor
    t = panel.select(**cols)
    others = [t[c].isnull() for c in (*COVARIATES, "industry", "size_class", _YM, _FIRM)]
    cov_missing = others[0]
    for m in others[1:]:
        cov_missing = cov_missing | m
    # NaN from the engine counts as missing too (a float covariate may be NaN, not NULL).
    for c in COVARIATES:
        cov_missing = cov_missing | t[c].isnan().fill_null(True)
    t = t.mutate(_x_missing=cov_missing)
    complete = ~t["_y_missing"] & ~t["_x_missing"]
    counts = t.aggregate(
        rows_in=t.count(),
        dropped_missing_outcome=t["_y_missing"].sum(),
        dropped_missing_covariate=(~t["_y_missing"] & t["_x_missing"]).sum(),
        **{f"ss_{c}": ibis.ifelse(complete, t[c] * t[c], 0.0).sum() for c in COVARIATES},
    ).execute()
    row = counts.iloc[0]
    rows = {
        k: int(row[k] or 0)
        for k in ("rows_in", "dropped_missing_outcome", "dropped_missing_covariate")
    }
    raw_ss = {c: float(row[f"ss_{c}"] or 0.0) for c in COVARIATES}
    if rows["rows_in"] == rows["dropped_missing_outcome"] + rows["dropped_missing_covariate"]:
        raise DataError(
            f"no complete rows to fit the models on ({rows['rows_in']} rows, "
            f"{rows['dropped_missing_outcome']} without revolving, "
            f"{rows['dropped_missing_covariate']} with a missing covariate)",
            hint="check that the panel has rows with revolving and every covariate known",
        )
    clean = t.filter(complete).drop("_y_missing", "_x_missing")
    return clean, rows, raw_ss


def _two_way_demeaned(
    clean: ir.Table, cols: list[str], *, tol: float = 1e-13, max_iter: int = 500
) -> tuple[ir.Table, ir.Table, int]:
    """Firm and year-month effects swept out by alternating projections (each sweep one
    pair of engine passes, materialised with ``Table.cache``), after dropping singleton
    firms. Returns the demeaned table, the one-way firm means of the original columns and
    the number of year-month levels.
    """
    _, means = firm_demeaned(clean, _FIRM, cols, carry=("industry",))
    kept = means.filter(means["_n"] > 1).select(_FIRM)
    cur = clean.semi_join(kept, _FIRM).select(_FIRM, _YM, *cols).cache()
    n_months = int(cur[_YM].nunique().execute())
    scale = cur.aggregate(**{c: (cur[c] * cur[c]).mean() for c in cols}).execute().iloc[0]
    for _ in range(max_iter):
        for key in (_FIRM, _YM):
            m = cur.group_by(key).aggregate(**{f"_m_{c}": cur[c].mean() for c in cols})
            j = cur.inner_join(m, key)
            nxt = j.select(_FIRM, _YM, *[(j[c] - j[f"_m_{c}"]).name(c) for c in cols]).cache()
            cur.release()
            cur = nxt
        check = cur.group_by(_FIRM).aggregate(**{c: cur[c].mean() for c in cols})
        worst = check.aggregate(**{c: check[c].abs().max() for c in cols}).execute().iloc[0]
        if all(float(worst[c]) ** 2 <= tol**2 * max(float(scale[c]), 1e-300) for c in cols):
            return cur, means, n_months
    raise DataError(
        f"the firm and year-month effects did not converge in {max_iter} sweeps",
        hint="set results.year_month_effects=false, or check for weakly connected firms",
    )


def _firm_effects(means: ir.Table, fit: LinearFit) -> dict:
    """Mean firm effect (over firms; firm effect = firm mean of y - firm means of x'beta),
    per industry, firms per industry, the FE sample's covariate means, singleton rows."""
    beta = dict(zip(fit.names, fit.beta, strict=True))
    alpha = means[f"mean_{_Y}"]
    for term, b in beta.items():
        alpha = alpha - float(b) * means[f"mean_{term}"]
    m = means.mutate(_alpha=alpha, _multi=means["_n"] > 1)
    per = (
        m.group_by("industry")
        .aggregate(
            all_firms=m.count(),
            firms=m["_multi"].sum(),
            singleton_rows=ibis.ifelse(m["_multi"], 0, m["_n"]).sum(),
            rows=ibis.ifelse(m["_multi"], m["_n"], 0).sum(),
            sum_alpha=ibis.ifelse(m["_multi"], m["_alpha"], 0.0).sum(),
            **{
                f"sx_{c}": ibis.ifelse(m["_multi"], m["_n"] * m[f"mean_{c}"], 0.0).sum()
                for c in COVARIATES
            },
        )
        .execute()
    )
    per = per.sort_values("industry")
    firms = per["firms"].astype(int)
    total_firms = int(firms.sum())
    total_rows = float(per["rows"].sum())
    present = per[firms > 0]
    return {
        "singleton_rows": int(per["singleton_rows"].sum()),
        "mean_effect": float(per["sum_alpha"].sum()) / total_firms,
        "industry_effect": {
            str(r.industry): float(r.sum_alpha) / int(r.firms) for r in present.itertuples()
        },
        "industry_firms": {str(r.industry): int(r.firms) for r in present.itertuples()},
        "all_firms": {str(r.industry): int(r.all_firms) for r in per.itertuples()},
        "means": {c: float(per[f"sx_{c}"].sum()) / total_rows for c in COVARIATES},
    }


def _coefficient_table(fits: Mapping[str, LinearFit]) -> pd.DataFrame:
    frames = []
    for model, fit in fits.items():
        df = None if model == "logit" else fit.n_clusters - 1
        inf = kernels.inference(fit.beta, fit.vcov, df=df)
        frames.append(
            pd.DataFrame(
                {
                    "model": model,
                    "term": list(fit.names),
                    "estimate": inf.estimate,
                    "std_error": inf.std_error,
                    "statistic": inf.statistic,
                    "p_value": inf.p_value,
                    "conf_low": inf.conf_low,
                    "conf_high": inf.conf_high,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)[list(MODEL_COLUMNS)]


def _fit_table(fits: Mapping[str, LinearFit]) -> pd.DataFrame:
    rows = []
    for model, fit in fits.items():
        r2 = float("nan")
        if model == "lpm":
            tss = fit.yty - fit.sum_y**2 / fit.n_obs
            r2 = 1.0 - fit.ssr / tss
        elif model == "fe_lpm":
            r2 = 1.0 - fit.ssr / fit.yty  # within R²: y is demeaned, so yty is its TSS
        rows.append(
            {
                "model": model,
                "n_obs": fit.n_obs,
                "n_firms": fit.n_clusters,
                "r2": r2,
                "log_likelihood": fit.loglik,
            }
        )
    return pd.DataFrame(rows)[list(MODEL_FIT_COLUMNS)]


def _probability(model: str, eta: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-eta)) if model == "logit" else eta


def _linear_predictor(results: ModelResults, model: str, values: Mapping[str, float]) -> float:
    """x'beta over every column (year-month dummies too), ``values`` overriding the model's
    estimation-sample means (dummies at their shares)."""
    fit = results.fits[model]
    means = results.means[model]
    eta = 0.0
    for term, b in zip(fit.all_names, fit.all_beta, strict=True):
        if b != 0.0:
            eta += float(b) * values.get(term, means[term])
    return eta


def prediction_tables(
    results: ModelResults, panel: ir.Table | None = None, settings: Settings | None = None
) -> dict[str, pd.DataFrame]:
    """fig08 and fig09: predicted probabilities of revolving from each model.

    fig08: cash buffer days 0..``results.buffer_days_grid_max``, every other regressor at
    its estimation-sample mean (industry, size and year-month dummies at their sample
    shares). fig09: each industry (its dummy set to 1, the others 0) at ADB
    ``results.predict_adb`` (2022 $) and ``results.predict_buffer_days``, the rest at their
    means. The FE model predicts at the mean firm effect (fig08) and at the mean effect of
    the industry's firms (fig09: industry is absorbed by the firm effects). n_firms: firms in
    the model's estimation sample (fig09: of that industry). ``panel`` is not read again:
    everything needed was kept in ``results`` (the argument keeps the published signature).
    """
    settings = settings or Settings()
    cfg = settings.results
    grid = np.arange(0, cfg.buffer_days_grid_max + 1, dtype=float)
    f08 = []
    f09 = []
    for model in MODELS:
        fit = results.fits[model]
        base = results.fe_mean_effect if model == "fe_lpm" else 0.0
        for days in grid:
            eta = base + _linear_predictor(results, model, {"cash_buffer_days": days})
            f08.append((model, int(days), float(_probability(model, np.array(eta)))))
        for ind in results.industries:
            values: dict[str, float] = {
                "cash_buffer_days": cfg.predict_buffer_days,
                "adb": cfg.predict_adb / 1000.0,
            }
            if model == "fe_lpm":
                if ind not in results.fe_industry_effect:
                    continue
                shift = results.fe_industry_effect[ind]
            else:
                if ind not in results.industry_firms[model]:
                    continue  # the level was not estimated (e.g. separated in the logit)
                shift = 0.0
                dummies = [t for t in fit.all_names if t.startswith("industry[T.")]
                for term in dummies:  # the model's base level has none: all zero
                    values[term] = 1.0 if term == f"industry[T.{ind}]" else 0.0
            eta = shift + _linear_predictor(results, model, values)
            n = results.industry_firms[model].get(ind, 0)
            f09.append((model, ind, float(_probability(model, np.array(eta))), n))
        del fit
    fig08 = pd.DataFrame(f08, columns=["model", "cash_buffer_days", "value"])
    fig08["n_firms"] = fig08["model"].map({m: results.fits[m].n_clusters for m in MODELS})
    fig09 = pd.DataFrame(f09, columns=["model", "industry", "value", "n_firms"])
    out = {}
    for name, frame in (("fig08", fig08), ("fig09", fig09)):
        frame["measure"] = "predicted_probability"
        frame["suppressed"] = False
        frame["n_firms"] = frame["n_firms"].astype("int64")
        out[name] = frame[list(TABLES[name].columns)]
    return out


def regression_table(results: ModelResults) -> pd.DataFrame:
    """The regression table as plain rows: one column per model, estimate with its
    clustered SE in parentheses on the row below, then N obs, N firms, R²/log-likelihood.

    Columns: ``row`` (the label; blank on SE rows) and one per model label.
    """
    coef = results.coefficients
    order: list[str] = []
    for term in coef["term"]:
        if term not in order:
            order.append(term)
    labels = [MODEL_LABELS[m] for m in MODELS]
    out: list[dict[str, str]] = []
    for term in order:
        est: dict[str, str] = {"row": term}
        se: dict[str, str] = {"row": ""}
        for model, label in zip(MODELS, labels, strict=True):
            hit = coef[(coef["model"] == model) & (coef["term"] == term)]
            if hit.empty:
                est[label] = se[label] = ""
            else:
                r = hit.iloc[0]
                est[label] = f"{r.estimate:.4g}{_stars(r.p_value)}"
                se[label] = f"({r.std_error:.3g})"
        out += [est, se]
    fit = results.fit.set_index("model")
    footer = {
        "N observations": {m: f"{int(fit.loc[m, 'n_obs']):,}" for m in MODELS},
        "N firms": {m: f"{int(fit.loc[m, 'n_firms']):,}" for m in MODELS},
        "R² (within for FE)": {
            m: "" if np.isnan(fit.loc[m, "r2"]) else f"{fit.loc[m, 'r2']:.4f}" for m in MODELS
        },
        "Log-likelihood": {
            m: ""
            if np.isnan(fit.loc[m, "log_likelihood"])
            else f"{fit.loc[m, 'log_likelihood']:,.1f}"
            for m in MODELS
        },
        "Firm fixed effects": {m: "yes" if m == "fe_lpm" else "no" for m in MODELS},
        "Year-month effects": {m: "yes" if results.year_month_effects else "no" for m in MODELS},
    }
    for label, cells in footer.items():
        out.append({"row": label, **{MODEL_LABELS[m]: cells[m] for m in MODELS}})
    return pd.DataFrame(out, columns=["row", *labels])
