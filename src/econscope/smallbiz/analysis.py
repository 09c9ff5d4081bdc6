"""The ``analyze`` stage: from the panel to every published result table and the models.

``analyze(panel_dir, out_dir)`` reads ``panel_dir/panel.parquet``, computes fig02 ... fig12
and tabA1 (:mod:`econscope.smallbiz.results.figures`, fig08/fig09 from the models), fits the three
models (:func:`econscope.smallbiz.results.models.fit_models`), applies disclosure control
(:mod:`econscope.disclosure`) to every cell and model, checks that no firm or card
identifier reached a published file, and writes into ``out_dir``::

    fig02.csv ... fig12.csv, tabA1.csv   tidy tables (schemas in smallbiz/tables.py)
    models.csv, models_fit.csv           the regression table (published models only)
    manifest.json                        written last; a rerun with the same key reuses

Nothing is written unless all of it passed disclosure control: files are staged in a
hidden folder inside ``out_dir`` and moved into place only after the identifier scan.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from econscope.config import Settings
from econscope.disclosure import (
    check_suppressed,
    neutralise_cells,
    pool_levels,
    round_counts,
    round_significant,
    scan_published_cells,
    suppress,
    suppress_medians,
)
from econscope.engine import Backend, connect, read_table
from econscope.errors import DataError, DisclosureError, EconscopeWarning, StageError
from econscope.smallbiz.results.firm_months import RESULT_INPUT_COLUMNS
from econscope.smallbiz.results.notes import NOTES_FILE, Note, notes_frame, period_defaults
from econscope.smallbiz.results.registry import result_tables
from econscope.smallbiz.results.secondary import fig03_together, protect_tables
from econscope.smallbiz.tables import (
    CARD_TABLES,
    DOLLARS,
    MODEL_COLUMNS,
    MODEL_FIT_COLUMNS,
    MODELS,
    TABLES,
)
from econscope.stages import MANIFEST_NAME, Manifest, StageOutput, run_stage

__all__ = ["AnalysisResult", "ModelOutputs", "analyze", "money_medians", "read_result"]

PANEL_FILE = "panel.parquet"
MODELS_FILE = "models.csv"
MODELS_FIT_FILE = "models_fit.csv"
_STAGING_PREFIX = ".analyze-"
#: Columns whose values could be firm or card identifiers (scanned in published files).
IDENTIFIER_COLUMNS: tuple[str, ...] = ("firm_id", "card_id")

_DIM_DTYPES: Mapping[str, str] = MappingProxyType(
    {"month": "datetime64[s]", "year": "int64", "cash_buffer_days": "float64"}
)


@dataclass(frozen=True)
class ModelOutputs:
    """What the models contribute: the coefficient and fit tables, and fig08/fig09."""

    coefficients: pd.DataFrame
    fit: pd.DataFrame
    predictions: Mapping[str, pd.DataFrame]


@dataclass(frozen=True)
class AnalysisResult:
    """The published results of one ``analyze`` run (after disclosure control).

    ``tables`` maps every table id of :data:`~econscope.smallbiz.tables.TABLES` (report
    order) to its tidy DataFrame; ``models`` and ``models_fit`` are models.csv and
    models_fit.csv; ``unpublished_models`` names models withheld for having fewer than
    k firms (no coefficients; a models_fit row with every statistic blank); ``reused``
    is true when a previous run with the same key was reused.
    """

    out_dir: Path
    tables: Mapping[str, pd.DataFrame]
    models: pd.DataFrame
    models_fit: pd.DataFrame
    manifest: Manifest
    reused: bool = False
    unpublished_models: tuple[str, ...] = field(default=())

    def __getitem__(self, table_id: str) -> pd.DataFrame:
        return self.tables[table_id]

    @property
    def files(self) -> tuple[Path, ...]:
        """The published files, in the order written."""
        return tuple(self.out_dir / name for name in self.manifest.outputs)


def analyze(
    panel_dir: str | Path,
    out_dir: str | Path,
    settings: Settings | None = None,
    *,
    con: Backend | None = None,
) -> AnalysisResult:
    """Compute, disclosure-control and write every result table and the models.

    ``panel_dir`` holds the panel stage's ``panel.parquet``; ``out_dir`` receives the
    CSV files and ``manifest.json`` (the run layout's ``OUT/results``). ``settings=None``
    uses the defaults; ``con=None`` opens the engine of ``settings.engine``.

    Raises :class:`~econscope.errors.StageError` when the panel is missing,
    :class:`~econscope.errors.DataError` when it lacks a column, and
    :class:`~econscope.errors.DisclosureError` (writing nothing) when an identifier
    would be published.

    >>> from econscope.smallbiz.analysis import analyze  # doctest: +SKIP
    >>> result = analyze("run/panel", "run/results")  # doctest: +SKIP
    >>> result["fig02"].query("measure == 'share_revolving'").head()  # doctest: +SKIP
    """
    settings = settings if settings is not None else Settings()
    panel_path = Path(panel_dir) / PANEL_FILE

    def compute(out: Path) -> StageOutput:
        engine = con if con is not None else connect(settings.engine)
        panel = read_table(engine, panel_path)
        _check_columns(panel, panel_path)
        k = settings.disclosure.k
        shape = _panel_shape(engine, panel)
        used, notes = period_defaults(settings, shape["first_month"], shape["last_month"])
        for note in notes:
            if note.warn:
                warnings.warn(note.note, EconscopeWarning, stacklevel=3)
        deposits_only = shape["rows"] > 0 and shape["card_rows"] == 0
        if deposits_only:
            notes.append(Note("mode", "deposits_only", DEPOSITS_ONLY_NOTE))
        exprs = result_tables(panel, used, cache=True)
        computed = {tid: _to_pandas(engine, expr) for tid, expr in exprs.items()}
        _warn_missing_index_base(computed["fig03"], used)
        fitted = not (deposits_only or shape["rows"] == 0)
        pooled = _pooled_for_models(panel, used) if fitted else panel
        models = _model_outputs(pooled, used) if fitted else _no_models()
        coefficients, fit, withheld = _disclose_models(models, k, warn=fitted)
        for tid in ("fig08", "fig09"):
            computed[tid] = _mark_models(models.predictions[tid], withheld)
        truth = {tid: _normalize(computed[tid], tid) for tid in TABLES}
        primary = {tid: suppress(truth[tid], k) for tid in TABLES}
        tables = protect_tables(truth, primary, k)
        panel_counts = {"n_firms": shape["firms"], "n_obs": shape["rows"]}
        tables, fit = _round_model_counts(tables, fit, models, k, panel_counts)
        medians = settings.disclosure.median_threshold()
        tables = {
            tid: suppress_medians(table, money_medians(tid), medians)
            for tid, table in tables.items()
        }
        tables["fig03"] = fig03_together(tables["fig03"], truth["fig03"])
        digits = settings.disclosure.significant_digits
        tables = {tid: _published_numbers(tables[tid], tid, k, digits) for tid in TABLES}
        coefficients = _rounded(coefficients, MODEL_COLUMNS[2:], digits)
        fit = _rounded(fit, MODEL_FIT_COLUMNS[3:], digits)
        _warn_empty(truth, shape["rows"], deposits_only)
        written = _write_all(
            out, tables, coefficients, fit, _identifier_column(panel), notes_frame(notes)
        )
        frames = _named_frames(tables, coefficients, fit)
        return StageOutput(rows={name: len(df) for name, df in frames.items()}, outputs=written)

    result = run_stage(
        "analyze",
        out_dir,
        inputs={"panel": panel_path},
        settings=settings.to_manifest(),
        params={"tables": list(TABLES)},
        compute=compute,
        load=_load,
        requires={"panel": "econscope smallbiz panel"},
    )
    return replace(result.value, reused=result.reused)


def money_medians(table_id: str) -> frozenset[str]:
    """The measures of a result table that are medians of money, or an index of them.

    Every money statistic econscope publishes is a median (fig02, fig03, cashflow, fig04,
    fig05, fig12, tabA1) or an index of two medians (fig03's ADB index: the month's median
    over the base month's). They get the median rule
    (:func:`econscope.disclosure.suppress_medians`). A money total or mean would need the
    dominance rule (:func:`econscope.disclosure.dominance`) on its firms' contributions:
    a table that publishes one is refused here until it is wired in.

    >>> sorted(money_medians("fig03"))
    ['median_adb', 'median_adb_index']
    >>> sorted(money_medians("fig06"))
    []
    """
    spec = TABLES[table_id]
    money = {m for m, unit in spec.measures.items() if unit == DOLLARS}
    totals = sorted(m for m in money if not m.startswith("median_"))
    if totals:
        raise DisclosureError(
            f"{table_id} publishes money total(s) or mean(s) {totals} that the dominance rule "
            "does not cover. Hint: this is a bug in econscope; apply "
            "econscope.disclosure.dominance to their firms' contributions"
        )
    indexes = {m for m, unit in spec.measures.items() if unit.startswith("index") and money}
    return frozenset(money | indexes)


def _to_pandas(con: Backend, expr: ir.Table) -> pd.DataFrame:
    """A small result table from the engine, through Arrow."""
    return con.to_pyarrow(expr).to_pandas()


def _check_columns(panel: ir.Table, path: Path) -> None:
    missing = [c for c in RESULT_INPUT_COLUMNS if c not in panel.columns]
    if missing:
        raise DataError(
            f"the panel lacks column(s) {missing}",
            file=str(path),
            column=missing[0],
            hint="rebuild it with `econscope smallbiz panel` (DESIGN.md panel schema)",
        )


DEPOSITS_ONLY_NOTE = (
    "Deposit-only run: the data have no card statements (or --deposits-only was given), so "
    "the panel has one row per firm and calendar month with the deposit measures (ADB, "
    "flows, cash buffer days) and the card figures (revolving: fig02, fig04-fig10, fig12 "
    "and the models) are empty. They need the card tables card_accounts, card_statements "
    "and card_transactions."
)


def _panel_shape(con: Backend, panel: ir.Table) -> dict[str, Any]:
    """Rows, rows with a card, and the first and last months with an ADB (one scan)."""
    month = panel.statement_date.truncate("M")
    row = con.to_pyarrow(
        panel.aggregate(
            rows=panel.count(),
            firms=panel.firm_id.nunique(),
            # a panel without card_id (built by hand) is a card panel
            card_rows=(
                panel.count(where=panel.card_id.notnull())
                if "card_id" in panel.columns
                else panel.count()
            ),
            first_month=month.min(where=panel.adb_real.notnull()),
            last_month=month.max(where=panel.adb_real.notnull()),
        )
    ).to_pylist()[0]

    def as_date(value: Any) -> Any:
        return value.date() if hasattr(value, "date") and callable(value.date) else value

    return {
        **row,
        "first_month": as_date(row["first_month"]),
        "last_month": as_date(row["last_month"]),
    }


def _no_models() -> ModelOutputs:
    """No models: a deposit-only or empty panel has nothing to fit (every cell withheld)."""
    empty = {
        tid: pd.DataFrame({c: pd.Series([], dtype="object") for c in TABLES[tid].columns})
        for tid in ("fig08", "fig09")
    }
    fit = pd.DataFrame({"model": list(MODELS), "n_obs": 0, "n_firms": 0})
    return ModelOutputs(
        coefficients=pd.DataFrame(columns=list(MODEL_COLUMNS)), fit=fit, predictions=empty
    )


def _warn_empty(tables: Mapping[str, pd.DataFrame], panel_rows: int, deposits_only: bool) -> None:
    """An empty result table is a warning, never a silent empty figure."""
    if panel_rows == 0:
        warnings.warn(
            "the panel is empty: every result table is empty. Hint: the panel stage's warning "
            "and panel/funnel.csv name the filter that removed every firm",
            EconscopeWarning,
            stacklevel=4,
        )
        return
    # empty: no row, or no cell that describes any firm (fig07's 13 rows of 0 pairs)
    empty = [
        tid
        for tid, df in tables.items()
        if not (deposits_only and tid in CARD_TABLES)
        and (df.empty or not (pd.to_numeric(df["n_firms"], errors="coerce").fillna(0) > 0).any())
    ]
    if empty:
        warnings.warn(
            f"result table(s) {empty} are empty: the panel has no data for them. Hint: "
            "check the period settings (results.*) and the panel's funnel",
            EconscopeWarning,
            stacklevel=4,
        )


def _warn_missing_index_base(fig03: pd.DataFrame, settings: Settings) -> None:
    index = fig03[fig03["measure"] == "median_adb_index"]
    if len(index) and not index["value"].notna().any():
        warnings.warn(
            f"fig03: the index base month {settings.results.index_base_month} has no "
            "firms with an ADB, so the ADB index is empty (its cells are suppressed). "
            "Hint: set results.index_base_month to a month inside the panel",
            EconscopeWarning,
            stacklevel=3,
        )


def _model_outputs(panel: ir.Table, settings: Settings) -> ModelOutputs:
    """Fit the three models and build fig08/fig09 (econscope.smallbiz.results.models)."""
    from econscope.smallbiz.results.models import fit_models, prediction_tables

    results = fit_models(panel, settings)
    predictions = prediction_tables(results, settings)
    coefficients, fit = _model_frames(results)
    return ModelOutputs(coefficients=coefficients, fit=fit, predictions=predictions)


def _model_frames(results: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """models.csv and models_fit.csv from a ModelResults (its tidy tables)."""
    coefficients = pd.DataFrame(results.coefficients)
    fit = pd.DataFrame(results.fit)
    return coefficients, fit


def _disclose_models(
    models: ModelOutputs, k: int, *, warn: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame, tuple[str, ...]]:
    """Withhold every model fitted on fewer than k firms (its coefficients and fit row),
    every industry term of a level with fewer than k firms in that model's sample, and
    a pooled model whose base industry has fewer than k firms (its intercept is theirs)."""
    fit = models.fit.reindex(columns=list(MODEL_FIT_COLUMNS))
    coefficients = models.coefficients.reindex(columns=list(MODEL_COLUMNS))
    n = pd.to_numeric(fit["n_firms"], errors="coerce")
    small_base, small_terms = _small_industry_terms(coefficients, models.predictions["fig09"], k)
    withheld = tuple(
        sorted(set(fit.loc[n.isna() | (n < k), "model"].astype(str)) | set(small_base))
    )
    if small_terms:
        if warn:
            warnings.warn(
                f"models: {len(small_terms)} industry term(s) cover fewer than {k} firms in "
                "their model's sample and are not published",
                EconscopeWarning,
                stacklevel=3,
            )
        drop = [(str(m), str(t)) in small_terms for m, t in coefficients[["model", "term"]].values]
        coefficients = coefficients[~pd.Series(drop, index=coefficients.index)]
    if withheld and warn:
        warnings.warn(
            f"models {list(withheld)} were fitted on fewer than {k} firms and are not "
            "published (models.csv, models_fit.csv; their fig08/fig09 cells are suppressed)",
            EconscopeWarning,
            stacklevel=3,
        )
    # The withheld model keeps its row in models_fit.csv, every statistic blank: it is
    # marked, not silently dropped. Its coefficients are not published at all.
    hidden = fit["model"].astype(str).isin(withheld)
    fit = fit.astype({c: "float64" for c in MODEL_FIT_COLUMNS[1:]})
    fit.loc[hidden, list(MODEL_FIT_COLUMNS[1:])] = float("nan")
    fit = fit.astype({"n_obs": "Int64", "n_firms": "Int64"})
    keep_coef = ~coefficients["model"].astype(str).isin(withheld)
    return coefficients[keep_coef].reset_index(drop=True), fit.reset_index(drop=True), withheld


def _small_industry_terms(
    coefficients: pd.DataFrame, fig09: pd.DataFrame, k: int
) -> tuple[set[str], set[tuple[str, str]]]:
    """Pooled models whose base industry, and (model, term) industry dummies whose level,
    has fewer than k firms in the model's own sample (fig09's n_firms: the logit drops
    separated rows, so its sample can be smaller than the one the levels were pooled on)."""
    bases: set[str] = set()
    terms: set[tuple[str, str]] = set()
    for model, group in fig09.groupby("model"):
        model_terms = set(coefficients.loc[coefficients["model"] == model, "term"].astype(str))
        if "Intercept" not in model_terms:
            continue  # the FE model has no industry terms: its fig09 cells are checked alone
        for industry, firms in zip(group["industry"], group["n_firms"], strict=True):
            term = f"industry[T.{industry}]"
            if int(firms) >= k:
                continue
            if term in model_terms:
                terms.add((str(model), term))
            else:
                bases.add(str(model))
    return bases, terms


def _mark_models(table: pd.DataFrame, withheld: tuple[str, ...]) -> pd.DataFrame:
    out = table.copy()
    if "suppressed" not in out.columns:
        out["suppressed"] = False
    out["suppressed"] = out["suppressed"].fillna(False).astype(bool) | out["model"].astype(
        str
    ).isin(withheld)
    return out


def _normalize(table: pd.DataFrame, table_id: str) -> pd.DataFrame:
    """The table's columns in registry order with stable dtypes, rows sorted."""
    spec = TABLES[table_id]
    missing = [c for c in spec.columns if c not in table.columns and c != "suppressed"]
    if missing:
        raise StageError(
            f"{table_id}: computed table lacks column(s) {missing}. "
            "Hint: this is a bug in econscope; please report it"
        )
    out = table.copy()
    if "suppressed" not in out.columns:
        out["suppressed"] = False
    out = out[list(spec.columns)]
    for dim in spec.dims:
        dtype = _DIM_DTYPES.get(dim, "str")
        if dtype.startswith("datetime"):
            out[dim] = pd.to_datetime(out[dim]).astype(dtype)
        else:
            out[dim] = out[dim].astype(dtype)
    out["measure"] = out["measure"].astype("str")
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype("float64")
    out["n_firms"] = pd.to_numeric(out["n_firms"], errors="coerce").astype("Int64")
    out["suppressed"] = out["suppressed"].fillna(False).astype(bool)
    order = [*spec.dims, "measure"]
    return out.sort_values(order, kind="stable", key=_sort_key).reset_index(drop=True)


def _sort_key(col: pd.Series) -> pd.Series:
    if col.name == "months_revolved":  # "0".."12" in number order, then "1-11"
        return col.map(lambda v: (int(v), "") if str(v).isdigit() else (99, str(v)))
    return col


def _published_numbers(table: pd.DataFrame, table_id: str, k: int, digits: int) -> pd.DataFrame:
    """The final check of a table (no cell of fewer than k firms) and its fixed precision."""
    check_suppressed(table, k, name=table_id)
    return _rounded(table, ("value",), digits)


def _rounded(table: pd.DataFrame, columns: Sequence[str], digits: int) -> pd.DataFrame:
    out = table.copy()
    for col in columns:
        if col in out.columns:
            out[col] = round_significant(out[col], digits)
    return out


def _complete_model_rows(panel: ir.Table) -> ir.BooleanValue:
    """The rows the models are fitted on (outcome, covariates and factors known)."""
    from econscope.smallbiz.results.models import COVARIATE_SOURCES

    cols = ["revolving", "industry", "size_class", "year", "month", "firm_id"]
    ok = ibis.and_(*[panel[c].notnull() for c in cols])
    for source, _ in COVARIATE_SOURCES.values():
        x = panel[source].cast("float64")
        ok = ok & x.notnull() & ~x.isnan().fill_null(True)
    return ok


def _firms_per_level(t: ir.Table, factor: str) -> dict[str, int]:
    per = t.group_by(t[factor].cast("string").name("level")).aggregate(firms=t.firm_id.nunique())
    rows = per.to_pyarrow().to_pylist()
    return {str(r["level"]): int(r["firms"]) for r in rows}


def _pooled_for_models(panel: ir.Table, settings: Settings) -> ir.Table:
    """The panel with industries (and size classes) of fewer than k firms pooled.

    A dummy's coefficient on a level of 3 firms is a statistic of those 3 firms, and with
    the base prediction it rebuilds their suppressed fig09 cell. Industries of fewer than
    k firms in the models' rows are fitted as one level (``disclosure.pool_label``; see
    :func:`econscope.disclosure.pool_levels`); when a size class has fewer than k firms,
    size enters no model. The result tables (fig05, tabA1) keep every industry.
    """
    k = settings.disclosure.k
    label = settings.disclosure.pool_label
    rows = panel.filter(_complete_model_rows(panel))
    industries = pool_levels(_firms_per_level(rows, "industry"), k, label)
    sizes = _firms_per_level(rows, "size_class")
    small_size = bool(sizes) and min(sizes.values()) < k
    size_map = {s: (label if small_size else s) for s in sizes}
    changes = {f: m for f, m in (("industry", industries), ("size_class", size_map))}
    pooled = {f: sorted(lvl for lvl, to in m.items() if lvl != to) for f, m in changes.items()}
    if not any(pooled.values()):
        return panel
    counts = ", ".join(f"{len(lv)} {f} level(s)" for f, lv in pooled.items() if lv)
    warnings.warn(
        f"models: {counts} with fewer than {k} firms each were fitted as one level "
        f"{label!r} (their own coefficients would describe fewer than {k} firms)",
        EconscopeWarning,
        stacklevel=4,
    )
    return panel.mutate(
        **{
            f: panel[f].cast("string").substitute(m)
            for f, m in changes.items()
            if any(lvl != to for lvl, to in m.items())
        }
    )


def _round_model_counts(
    tables: Mapping[str, pd.DataFrame],
    fit: pd.DataFrame,
    models: ModelOutputs,
    k: int,
    panel_counts: Mapping[str, int] | None = None,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Model counts rounded down to a multiple of k when two models' samples differ by
    1 to k-1 firms or rows (the FE model drops singleton firms, the logit separated
    levels), or a model's sample differs so from the panel (``panel_counts``: its firms
    and statements, which the funnel publishes) or an industry's models sample from its
    firms in tabA1: the difference would count those firms.

    Applies to models_fit's n_obs and n_firms and to fig08's and fig09's n_firms.
    """
    published = fit.dropna(subset=["n_firms"])
    known = dict(panel_counts or {})
    diffs = []
    for col in ("n_obs", "n_firms"):
        values = {int(v) for v in published[col]}
        if len(values) and known.get(col):
            values.add(int(known[col]))
        values_sorted = sorted(values)
        diffs += [b - a for a, b in itertools.pairwise(values_sorted)]
    f09 = models.predictions["fig09"]
    tab = tables["tabA1"] if "tabA1" in tables else pd.DataFrame(columns=["industry"])
    firms = tab[(tab.get("measure") == "firms") & tab["n_firms"].notna()] if len(tab) else tab
    in_tab = {
        str(i): int(n)
        for i, n in zip(firms.get("industry", []), firms.get("n_firms", []), strict=True)
    }
    for industry, group in f09.groupby("industry"):
        values = sorted({int(v) for v in group["n_firms"]})
        diffs += [b - a for a, b in itertools.pairwise(values)]
        if str(industry) in in_tab:  # a published fig09 count against tabA1's firms
            diffs += [abs(in_tab[str(industry)] - v) for v in values if v >= k]
    out = dict(tables)
    if not any(0 < d < k for d in diffs):
        return out, fit
    warnings.warn(
        f"models: samples of different models differ by fewer than {k} firms, so model "
        f"counts (models_fit n_obs and n_firms, fig08/fig09 n_firms) are published rounded "
        f"down to a multiple of {k}",
        EconscopeWarning,
        stacklevel=4,
    )
    fit = fit.copy()
    for col in ("n_obs", "n_firms"):
        fit[col] = round_counts(fit[col], k)
    for tid in ("fig08", "fig09"):
        table = out[tid].copy()
        table["n_firms"] = round_counts(table["n_firms"], k)
        out[tid] = table
    return out, fit


def _identifier_column(panel: ir.Table) -> ir.Column:
    parts = [
        panel.select(identifier=panel[c].cast("string"))
        for c in IDENTIFIER_COLUMNS
        if c in panel.columns
    ]
    return ibis.union(*parts, distinct=True).identifier if len(parts) > 1 else parts[0].identifier


def _named_frames(
    tables: Mapping[str, pd.DataFrame], coefficients: pd.DataFrame, fit: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    named = {f"{tid}.csv": df for tid, df in tables.items()}
    named[MODELS_FILE] = coefficients
    named[MODELS_FIT_FILE] = fit
    return named


def _write_all(
    out: Path,
    tables: Mapping[str, pd.DataFrame],
    coefficients: pd.DataFrame,
    fit: pd.DataFrame,
    identifiers: ir.Column,
    notes: pd.DataFrame,
) -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    # An old manifest must not vouch for files this run is about to replace.
    (out / MANIFEST_NAME).unlink(missing_ok=True)
    for stale in out.glob(f"{_STAGING_PREFIX}*"):  # left by a run that was killed
        shutil.rmtree(stale, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=out))
    try:
        named = _named_frames(tables, coefficients, fit)
        if len(notes):  # what the analysis decided for this data (results/notes.py)
            named[NOTES_FILE] = notes
        else:
            (out / NOTES_FILE).unlink(missing_ok=True)  # never a stale note of another run
        for name, df in named.items():
            neutralise_cells(df).to_csv(staging / name, index=False, date_format="%Y-%m-%d")
        hits = scan_published_cells([staging], identifiers)
        if hits:
            raise DisclosureError(
                f"the result tables contain {len(hits)} firm or card identifier(s) of the "
                f"panel in {', '.join(sorted({p.name for p, _ in hits}))}; nothing was "
                "published. Hint: a result table published a panel id as a cell; report "
                "this as a bug in econscope"
            )
        for name in named:
            os.replace(staging / name, out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return list(named)


def read_result(path: str | Path, table_id: str) -> pd.DataFrame:
    """Read one published result CSV back with the dtypes ``analyze`` returns.

    >>> import tempfile, pathlib, pandas as pd
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "tabA1.csv"
    >>> _ = p.write_text("industry,measure,value,n_firms,suppressed\\n"
    ...                  "retail,firms,,,True\\n")
    >>> read_result(p, "tabA1").dtypes["n_firms"]
    Int64Dtype()
    """
    spec = TABLES[table_id]
    text_cols = {d: "str" for d in spec.dims if d not in _DIM_DTYPES}
    df = pd.read_csv(path, dtype={**text_cols, "measure": "str"}, keep_default_na=True)
    return _normalize(df, table_id)


def _load(out: Path, manifest: Manifest) -> AnalysisResult:
    tables = MappingProxyType({tid: read_result(out / f"{tid}.csv", tid) for tid in TABLES})
    coefficients = pd.read_csv(out / MODELS_FILE, dtype={"model": "str", "term": "str"})
    fit = pd.read_csv(
        out / MODELS_FIT_FILE, dtype={"model": "str", "n_obs": "Int64", "n_firms": "Int64"}
    )
    return AnalysisResult(
        out_dir=out,
        tables=tables,
        models=coefficients,
        models_fit=fit,
        manifest=manifest,
        unpublished_models=tuple(sorted(fit.loc[fit["n_firms"].isna(), "model"])),
    )
