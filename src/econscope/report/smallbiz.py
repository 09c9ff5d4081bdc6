"""The smallbiz report: every figure as PNG, SVG and an interactive chart, in one HTML file.

:func:`render_report` reads only published and summary files of a run folder (the
layout is in the project brief)::

    results/fig02.csv ... fig12.csv, tabA1.csv, models.csv, models_fit.csv, manifest.json
    panel/funnel.csv, panel/manifest.json
    validated/accounting.csv, validated/quarantine_summary.csv, validated/manifest.json

and writes ``figures/<id>.png`` and ``figures/<id>.svg`` for fig02..fig12, then
``report.html`` (self-contained, works offline) and ``figures/manifest.json``. The page
shows the sample funnel, the figures with tooltips, Table A1, the regression table, data
quality (quarantined rows by reason), the settings in force and the fingerprints of the
data and the version. A missing optional piece shows as "not available"; a missing
``results/`` folder is a :class:`~econscope.errors.StageError`.

Disclosure: result tables arrive suppressed (value null, ``suppressed`` true); any cell,
funnel count or model that still describes fewer than k firms is shown as suppressed too.
No identifier is read: the panel and the stage tables of the working folders are never
opened.

>>> import tempfile, pathlib
>>> try:
...     render_report(pathlib.Path(tempfile.mkdtemp()))
... except StageError as exc:
...     print(str(exc).split(":")[0])
no results folder in the run
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from econscope.config import Settings
from econscope.errors import DataError, StageError
from econscope.report._format import stars as _stars
from econscope.smallbiz.results.notes import NOTE_COLUMNS, NOTES_FILE
from econscope.smallbiz.tables import (
    CARD_TABLES,
    MODEL_COLUMNS,
    MODEL_FIT_COLUMNS,
    TABLES,
    TableSpec,
    money_unit,
    table_specs,
)
from econscope.stages import Manifest, StageOutput, fingerprint, load_manifest, run_stage

__all__ = ["COVARIATES", "MODEL_NAMES", "render_report"]

#: Regression terms shown first, in this order (DESIGN.md, output schemas).
COVARIATES: tuple[str, ...] = ("revenues", "expenses", "net_cash_flow", "adb", "cash_buffer_days")
#: Columns of the regression table, in this order, with their headings.
MODEL_NAMES: Mapping[str, str] = {
    "lpm": "(1) LPM, industry and size",
    "logit": "(2) logit, industry and size",
    "fe_lpm": "(3) LPM, firm fixed effects",
}
_FUNNEL_FIRMS = ("firms_before", "firms_after", "firms_dropped")
_FUNNEL_ROWS = ("rows_before", "rows_after", "rows_dropped")
_FUNNEL_COLUMNS = ("step", "filter", "description", *_FUNNEL_FIRMS, *_FUNNEL_ROWS)
_NOT_AVAILABLE = "not available"


# --------------------------------------------------------------------------- reading


def _read_csv(path: Path, columns: Sequence[str] | None = None) -> pd.DataFrame | None:
    """A small CSV as strings-or-numbers, or None when the file is absent."""
    if not path.is_file():
        return None
    try:
        frame = pd.read_csv(path, keep_default_na=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(
            f"unreadable CSV ({type(exc).__name__})",
            file=str(path),
            hint="rerun the stage that writes it",
        ) from None
    if columns is not None:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise DataError(
                f"missing columns {missing}; expected {list(columns)}",
                file=str(path),
                column=missing[0],
                hint="rerun the stage that writes it (its schema is in DESIGN.md)",
            )
    return frame


@dataclass(frozen=True)
class _Run:
    """What the report reads from a run folder (None = not available)."""

    tables: dict[str, pd.DataFrame | None]
    models: pd.DataFrame | None
    models_fit: pd.DataFrame | None
    funnel: pd.DataFrame | None
    accounting: pd.DataFrame | None
    quarantine: pd.DataFrame | None
    manifests: dict[str, Manifest | None]


def _load(run_dir: Path) -> _Run:
    results = run_dir / "results"
    if not results.is_dir():
        raise StageError(
            f"no results folder in the run: {results} does not exist. Hint: run the "
            "analysis first (econscope.smallbiz.analysis or `econscope smallbiz analyze`)"
        )
    tables = {tid: _read_csv(results / f"{tid}.csv") for tid in TABLES}
    return _Run(
        tables=tables,
        models=_read_csv(results / "models.csv", MODEL_COLUMNS[:4]),
        models_fit=_read_csv(results / "models_fit.csv", MODEL_FIT_COLUMNS[:3]),
        funnel=_read_csv(run_dir / "panel" / "funnel.csv", _FUNNEL_COLUMNS),
        accounting=_read_csv(run_dir / "validated" / "accounting.csv"),
        quarantine=_read_csv(
            run_dir / "validated" / "quarantine_summary.csv", ("table", "reason", "rows")
        ),
        manifests={s: load_manifest(run_dir / s) for s in ("validated", "panel", "results")},
    )


def _settings_in_force(run: _Run, settings: Settings | None) -> tuple[Settings, dict[str, Any]]:
    """The settings the results were made with (their manifest), and the report's own."""
    recorded = next(
        (m.settings for s in ("results", "panel", "validated") if (m := run.manifests[s])),
        None,
    )
    if settings is None:
        try:
            settings = Settings.model_validate(recorded) if recorded else Settings()
        except ValueError as exc:  # never guess k: a default could be below the run's
            raise StageError(
                f"the settings recorded in the run's manifest are not valid settings of this "
                f"econscope version ({str(exc).splitlines()[0]}). Hint: pass settings "
                "explicitly (render_report(run_dir, settings) or --config/--set)"
            ) from None
    return settings, (recorded if recorded else settings.to_manifest())


# --------------------------------------------------------------------------- formatting


def _fmt(value: object, decimals: int = 0) -> object:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, int | float):
        return f"{value:,.{decimals}f}"
    return str(value)


def _fmt_coef(value: object) -> str | None:
    if value is None or pd.isna(value):
        return None
    x = float(value)  # type: ignore[arg-type]
    return f"{x:.4f}" if x == 0 or abs(x) >= 1e-3 else f"{x:.3e}"


def _na(what: str) -> str:
    from econscope.report.html import paragraph

    return paragraph(f"{what}: {_NOT_AVAILABLE} in this run.", css_class="na")


# --------------------------------------------------------------------------- sections


def _funnel_hidden(funnel: pd.DataFrame, k: int) -> pd.DataFrame:
    """Which funnel cells to suppress (True = hidden), rows in step order.

    A step that drops 1 to k-1 firms is hidden with its rows. Because consecutive totals
    would give it back by subtraction (dropped = before - after), every intermediate total
    is hidden too, leaving only the first step's "before" and the last step's "after"
    (totals that are published anyway). Because those two give the sum of all drops, more
    steps' drops are hidden (smallest first) until the hidden drops add up to k firms.
    """
    drops = funnel["firms_dropped"].fillna(0).astype(float).tolist()
    small = [i for i, d in enumerate(drops) if 0 < d < k]
    hidden = pd.DataFrame(False, index=funnel.index, columns=[*_FUNNEL_FIRMS, *_FUNNEL_ROWS])
    if not small:
        return hidden
    chosen = set(small)
    others = sorted((d, i) for i, d in enumerate(drops) if d > 0 and i not in chosen)
    while sum(drops[i] for i in chosen) < k and others:
        chosen.add(others.pop(0)[1])
    last = len(drops) - 1
    for pos, idx in enumerate(funnel.index):
        for kind in ("firms", "rows"):
            hidden.loc[idx, f"{kind}_before"] = pos > 0
            hidden.loc[idx, f"{kind}_after"] = pos < last
            hidden.loc[idx, f"{kind}_dropped"] = pos in chosen
    return hidden


def _funnel_section(run: _Run, k: int) -> str:
    from econscope.report.html import SUPPRESSED, paragraph, table

    if run.funnel is None:
        return _na("The sample funnel (panel/funnel.csv)")
    funnel = run.funnel.sort_values("step").reset_index(drop=True)
    hidden = _funnel_hidden(funnel, k)
    rows = []
    for idx, rec in funnel.iterrows():
        cells: list[object] = [_fmt(rec["step"]), _fmt(rec["filter"]), _fmt(rec["description"])]
        cells += [
            SUPPRESSED if hidden.loc[idx, c] else _fmt(rec[c]) for c in _FUNNEL_FIRMS + _FUNNEL_ROWS
        ]
        rows.append(cells)
    return paragraph(
        "Firms and rows (card statements) kept and dropped at each filter of the sample. "
        f"A step dropping 1 to {k - 1} firms is suppressed with its rows, and so are the "
        "totals between steps and enough other steps that no hidden count can be recovered "
        "by subtraction.",
        css_class="note",
    ) + table(
        ["step", "filter", "description", *_FUNNEL_FIRMS, *_FUNNEL_ROWS],
        rows,
        suppressed_note=f"suppressed: fewer than {k} firms",
    )


def _figure_notes(spec: TableSpec) -> str:
    units = "; ".join(f"{m.replace('_', ' ')}: {u}" for m, u in spec.measures.items())
    return f"Units: {units}. Data: results/{spec.id}.csv; figures/{spec.id}.png and .svg."


def _tabA1_section(frame: pd.DataFrame | None, k: int, spec: TableSpec) -> str:
    from econscope.report.charts import chart_rows
    from econscope.report.html import SUPPRESSED, paragraph, table

    if frame is None:
        return _na("Table A1 (results/tabA1.csv)")
    rows = chart_rows(spec, frame, k=k)
    measures = list(spec.measures)
    out: list[list[object]] = []
    for industry, group in rows.groupby("industry", sort=True):
        cells: list[object] = [str(industry)]
        for m in measures:
            hit = group[group["measure"] == m]
            if hit.empty:
                cells.append(None)
            elif bool(hit["suppressed"].iloc[0]):
                cells.append(SUPPRESSED)
            else:
                cells.append(_fmt(float(hit["value"].iloc[0])))
        out.append(cells)
    header = ["industry"] + [f"{m.replace('_', ' ')} ({spec.measures[m]})" for m in measures]
    return paragraph(_figure_notes(spec), css_class="note") + table(
        header, out, caption=spec.title, suppressed_note=f"suppressed: fewer than {k} firms"
    )


def _models_section(run: _Run, k: int, unit: str) -> str:
    from econscope.report.html import SUPPRESSED, paragraph, table

    if run.models is None:
        return _na("The regression table (results/models.csv)")
    models = run.models
    fit = run.models_fit
    names = [m for m in MODEL_NAMES if m in set(models["model"])]
    names += sorted(set(models["model"].astype(str)) - set(names))
    hidden: set[str] = set()
    if fit is not None:
        small = fit[pd.to_numeric(fit["n_firms"], errors="coerce") < k]
        hidden = set(small["model"].astype(str))
    terms = [t for t in COVARIATES if t in set(models["term"])]
    terms += [t for t in dict.fromkeys(models["term"].astype(str)) if t not in terms]
    by_key = {(str(r["model"]), str(r["term"])): r for r in models.to_dict("records")}
    rows: list[list[object]] = []
    for term in terms:
        coef: list[object] = [term]
        se: list[object] = [""]
        for m in names:
            rec = by_key.get((m, term))
            if m in hidden:
                coef.append(SUPPRESSED)
                se.append("")
            elif rec is None:
                coef.append("")
                se.append("")
            else:
                coef.append(f"{_fmt_coef(rec['estimate'])}{_stars(rec['p_value'])}")
                std = _fmt_coef(rec["std_error"])
                se.append(f"({std})" if std is not None else "")
        rows += [coef, se]
    if fit is not None:
        by_model = {str(r["model"]): r for r in fit.to_dict("records")}
        for col, label, decimals in (
            ("n_obs", "N observations (firm-cycles)", 0),
            ("n_firms", "N firms", 0),
            ("r2", "R²", 4),
            ("log_likelihood", "log likelihood", 1),
        ):
            line: list[object] = [label]
            for m in names:
                rec = by_model.get(m)
                if m in hidden:
                    line.append(SUPPRESSED)
                elif rec is None or col not in rec or pd.isna(rec[col]):
                    line.append("")
                else:
                    line.append(_fmt(float(rec[col]), decimals))
            rows.append(line)
    header = ["term"] + [MODEL_NAMES.get(m, m) for m in names]
    note = (
        "Dependent variable: the firm revolves in the billing cycle (0/1). Money in "
        f"thousands of {unit}. Standard errors clustered by firm in parentheses; "
        "* p < 0.1, ** p < 0.05, *** p < 0.01. Model fit: "
        + ("results/models_fit.csv." if fit is not None else f"{_NOT_AVAILABLE}.")
    )
    return paragraph(note, css_class="note") + table(
        header, rows, suppressed_note=f"suppressed: fewer than {k} firms"
    )


def _quality_section(run: _Run) -> str:
    from econscope.report.html import paragraph, table

    parts = []
    if run.accounting is None:
        parts.append(_na("Row accounting (validated/accounting.csv)"))
    else:
        cols = list(run.accounting.columns)
        parts.append(
            table(
                cols,
                [[_fmt(v) for v in r] for r in run.accounting.itertuples(index=False)],
                caption="Rows read, accepted and quarantined per input table",
            )
        )
    if run.quarantine is None:
        parts.append(_na("Quarantined rows by reason (validated/quarantine_summary.csv)"))
    elif run.quarantine.empty:
        parts.append(paragraph("No row was quarantined."))
    else:
        q = run.quarantine.sort_values(["table", "reason"])
        parts.append(
            table(
                ["table", "reason", "rows"],
                [[_fmt(r.table), _fmt(r.reason), _fmt(r.rows)] for r in q.itertuples()],
                caption="Quarantined rows by reason (reason codes: see docs)",
            )
        )
    return "\n".join(parts)


def _flatten(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and key not in {"groups", "cpi_annual"}:
            out += _flatten(value, f"{name}.")
        else:
            out.append((name, value))
    return out


def _descriptions() -> dict[str, str]:
    out: dict[str, str] = {}
    for name, field in Settings.model_fields.items():
        if field.description:
            out[name] = field.description
        sub = field.annotation
        for sub_name, sub_field in getattr(sub, "model_fields", {}).items():
            if sub_field.description:
                out[f"{name}.{sub_name}"] = sub_field.description
    return out


def _settings_section(recorded: Mapping[str, Any], k: int) -> str:
    from econscope.report.html import paragraph, table

    described = _descriptions()
    rows: list[list[object]] = []
    for name, value in _flatten(recorded):
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        rows.append([name, text, described.get(name, "")])
    return paragraph(
        "Every assumption and threshold the results were made with (from the results "
        f"manifest). Disclosure threshold applied by this report: k = {k}.",
        css_class="note",
    ) + table(["setting", "value", "meaning"], rows)


def _provenance_section(run: _Run, run_dir: Path, version: str) -> str:
    from econscope.report.html import paragraph, table

    rows: list[list[object]] = []
    for stage, m in run.manifests.items():
        if m is None:
            rows.append([stage, _NOT_AVAILABLE, "", "", ""])
            continue
        rows.append([stage, m.version, m.created or "", "stage key", m.key])
        for name, digest in sorted(m.inputs.items()):
            rows.append(["", "", "", f"input {name}", digest])
    published = [
        ["results/ (published tables)", fingerprint(run_dir / "results")],
    ]
    return (
        paragraph(f"econscope version rendering this report: {version}.")
        + table(
            ["stage", "version", "created", "what", "SHA-256"],
            rows,
            caption="Stage manifests: input fingerprints and keys",
        )
        + table(["published files", "SHA-256"], published)
    )


# --------------------------------------------------------------------------- the report


def _run_notes(run_dir: Path) -> pd.DataFrame:
    """results/notes.csv (setting, value, note): what the analysis decided for this run's
    data (deposit-only mode, period-aware defaults); empty when there is none."""
    path = run_dir / "results" / NOTES_FILE
    if not path.is_file():
        return pd.DataFrame(columns=list(NOTE_COLUMNS))
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _effective_settings(settings: Settings, notes: pd.DataFrame) -> Settings:
    """The settings with the values the analysis used in place of the configured ones."""
    overrides = [
        f"{r.setting}={r.value}" for r in notes.itertuples() if r.setting.startswith("results.")
    ]
    return settings.with_overrides(overrides) if overrides else settings


def _notes_section(notes: pd.DataFrame) -> str:
    from econscope.report.html import paragraph

    return "".join(paragraph(str(n), css_class="note") for n in notes["note"])


def _figure_ids() -> list[str]:
    return [tid for tid, spec in TABLES.items() if spec.chart != "table"]


@dataclass(frozen=True)
class ReportResult:
    """What :func:`render_report` wrote (or found and reused): the page and the figures."""

    path: Path
    figures: tuple[Path, ...]
    manifest: Manifest
    reused: bool


def render_report(run_dir: str | Path, settings: Settings | None = None) -> ReportResult:
    """Write ``figures/<id>.png|.svg`` and the offline ``report.html`` of a run.

    ``settings=None`` uses the settings recorded in the results manifest (defaults when
    there is none); ``settings.disclosure.k`` is the threshold the report enforces and
    names. A rerun over unchanged results reuses the files (``figures/manifest.json``).
    """
    run_dir = Path(run_dir)
    run = _load(run_dir)
    settings, recorded = _settings_in_force(run, settings)
    figures = run_dir / "figures"
    target = run_dir / "report.html"

    inputs: dict[str, Path] = {"results": run_dir / "results"}
    for name, path in (
        ("funnel", run_dir / "panel" / "funnel.csv"),
        ("accounting", run_dir / "validated" / "accounting.csv"),
        ("quarantine_summary", run_dir / "validated" / "quarantine_summary.csv"),
    ):
        if path.is_file():
            inputs[name] = path
    keys = {s: (m.key if m else None) for s, m in run.manifests.items()}

    def compute(figures: Path) -> StageOutput:
        return _render(run, run_dir, figures, settings, recorded)

    result = run_stage(
        "report",
        figures,
        inputs=inputs,
        settings=settings.to_manifest(),
        params={"manifests": keys},
        compute=compute,
        load=lambda out, manifest: (out, manifest),
        requires={"results": "econscope smallbiz analyze"},
    )
    return ReportResult(
        path=target,
        figures=tuple(figures / o for o in result.manifest.outputs if not o.startswith("..")),
        manifest=result.manifest,
        reused=result.reused,
    )


def _render(
    run: _Run, run_dir: Path, figures: Path, settings: Settings, recorded: dict[str, Any]
) -> StageOutput:
    from econscope import __version__

    k = settings.disclosure.k
    target = run_dir / "report.html"
    notes = _run_notes(run_dir)
    effective = _effective_settings(settings, notes)
    tspecs = table_specs(effective)
    from econscope.report.charts import chart, chart_rows
    from econscope.report.html import (
        Section,
        build_page,
        chart_container,
        javascript_bundle,
        paragraph,
        write_page,
    )
    from econscope.report.static import write_static

    # The Vega bundle takes a second or two to assemble (in Rust, off the GIL): overlap it.
    bundle = ThreadPoolExecutor(1, thread_name_prefix="vega-bundle")
    bundle.submit(javascript_bundle)
    bundle.shutdown(wait=False)

    no_cards = bool((notes["setting"] == "mode").any() and "deposits_only" in set(notes["value"]))
    skipped = CARD_TABLES if no_cards else frozenset()
    # Every table is checked (and charted) before the first file is written.
    specs = {
        # the chart code is schema-checked by the tests; skipping it here saves ~0.1 s a chart
        tid: chart(tspecs[tid], frame, k=k).to_dict(validate=False)
        for tid in _figure_ids()
        if (frame := run.tables[tid]) is not None and tid not in skipped
    }
    if run.tables["tabA1"] is not None:
        chart_rows(tspecs["tabA1"], run.tables["tabA1"], k=k)
    sections = []
    if len(notes):
        sections.append(Section("notes", "Notes on this run", _notes_section(notes)))
    sections.append(Section("funnel", "Sample funnel", _funnel_section(run, k)))
    outputs: list[str] = []
    for tid in _figure_ids():
        spec = tspecs[tid]
        title = f"{tid}: {spec.title}"
        if tid in skipped:
            sections.append(
                Section(
                    tid,
                    title,
                    paragraph(
                        "Needs card data: this is a deposit-only run (no card_accounts, "
                        "card_statements and card_transactions tables).",
                        css_class="note",
                    ),
                )
            )
            continue
        if tid not in specs:
            sections.append(Section(tid, title, _na(f"This figure (results/{tid}.csv)")))
            continue
        png, svg = write_static(specs[tid], figures, tid)
        outputs += [png.name, svg.name]
        sections.append(
            Section(
                tid,
                title,
                chart_container(tid)
                + paragraph(
                    _figure_notes(spec) + " Hover a point or bar for its value, unit, "
                    f"number of firms and status; ▲ marks a cell suppressed (fewer than {k} "
                    "firms).",
                    css_class="note",
                ),
            )
        )
    sections += [
        Section(
            "tabA1",
            tspecs["tabA1"].title,
            _tabA1_section(run.tables["tabA1"], k, tspecs["tabA1"]),
        ),
        Section(
            "models",
            "Regression models of revolving",
            _models_section(run, k, money_unit(effective)),
        ),
        Section("quality", "Data quality", _quality_section(run)),
        Section("settings", "Assumptions and settings in force", _settings_section(recorded, k)),
        Section(
            "provenance", "Fingerprints and version", _provenance_section(run, run_dir, __version__)
        ),
    ]
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    page = build_page(
        "Cash or credit? Small business use of credit cards for cash flow management",
        sections,
        specs,
        lead=(
            f"econscope {__version__} report of the run in '{run_dir.name}', rendered "
            f"{created}. Published cells describe at least k = {k} firms; smaller cells are "
            "suppressed and marked."
        ),
    )
    write_page(page, target)
    outputs.append("../report.html")
    return StageOutput(rows={"figures": len(specs)}, outputs=outputs)
