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

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from econscope.config import Settings
from econscope.errors import DataError, StageError
from econscope.smallbiz.results.fidelity import REPORT_CURRENCY, REPORT_PRICE_YEAR
from econscope.smallbiz.results.notes import NOTE_COLUMNS, NOTES_FILE
from econscope.smallbiz.tables import (
    CARD_TABLES,
    MEASURE_LABELS,
    MODEL_COLUMNS,
    MODEL_FIT_COLUMNS,
    TABLES,
    TableSpec,
    money,
    money_unit,
    table_specs,
)
from econscope.stages import Manifest, StageOutput, fingerprint, load_manifest, run_stage

__all__ = ["ReportResult", "effective_settings", "figure_notes", "render_report"]

_FUNNEL_FIRMS = ("firms_before", "firms_after", "firms_dropped")
_FUNNEL_ROWS = ("rows_before", "rows_after", "rows_dropped")
_FUNNEL_COLUMNS = ("step", "filter", "description", *_FUNNEL_FIRMS, *_FUNNEL_ROWS)
_FUNNEL_HEADERS = (
    "Firms before",
    "Firms after",
    "Firms dropped",
    "Statements before",
    "Statements after",
    "Statements dropped",
)
_NOT_AVAILABLE = "not available"


# --------------------------------------------------------------------------- reading


def _read_csv(path: Path, columns: Sequence[str] | None = None) -> pd.DataFrame | None:
    """A small CSV as strings-or-numbers, or None when the file is absent."""
    if path.is_dir():
        raise DataError(
            "is a folder where a CSV file is expected",
            file=str(path),
            hint="rerun the stage that writes it",
        )
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


def _na(what: str) -> str:
    from econscope.report.html import paragraph

    return paragraph(f"{what}: {_NOT_AVAILABLE} in this run.", css_class="na")


# --------------------------------------------------------------------------- sections


def _funnel_hidden(funnel: pd.DataFrame, k: int) -> pd.DataFrame:
    """Which funnel cells to suppress (True = hidden), rows in step order.

    Primary: every count of 1 to k-1 firms or statements (a step's drop, and on a small
    bank a total before or after a step; a handful of statements can be one firm's).
    Complementary: the counts satisfy ``before = after + dropped`` per step and ``after =
    next step's before``, so :func:`econscope.disclosure.complementary_suppression` hides
    further counts (smallest first) until no hidden count is the only unknown of a
    relation. Statements are hidden wherever their step's firms are, then protected the
    same way. The bank's first count and the panel's last are known from other tables
    (tabA1, models_fit): never a cover, hidden only when small themselves.
    """
    hidden = pd.DataFrame(False, index=funnel.index, columns=[*_FUNNEL_FIRMS, *_FUNNEL_ROWS])
    firms = _chain_hidden(funnel, "firms", set(), k)
    rows = _chain_hidden(funnel, "rows", {(pos, part) for pos, part in firms}, k)
    index = list(funnel.index)
    for kind, cells in (("firms", firms), ("rows", rows)):
        for pos, part in sorted(cells):
            hidden.loc[index[pos], f"{kind}_{part}"] = True
    return hidden


def _chain_hidden(
    funnel: pd.DataFrame, kind: str, extra: set[tuple[int, str]], k: int
) -> set[tuple[int, str]]:
    """The (step position, before/after/dropped) counts of one kind to hide."""
    from econscope.disclosure import KNOWN, Count, complementary_suppression

    counts: dict[Any, Count] = {}
    relations: list[dict[Any, int]] = []
    primary: set[Any] = set()
    last = len(funnel) - 1
    for pos, (_, rec) in enumerate(funnel.iterrows()):
        for part in ("before", "after", "dropped"):
            raw = pd.to_numeric(pd.Series([rec[f"{kind}_{part}"]]), errors="coerce").iloc[0]
            value = 0 if pd.isna(raw) else int(raw)
            small = 0 < value < k or (pos, part) in extra
            ends = (pos, part) in ((0, "before"), (last, "after"))
            counts[(pos, part)] = Count(KNOWN if ends and not small else (pos, part), value)
            if 0 < value < k:
                primary.add((pos, part))
        relations.append({(pos, "before"): 1, (pos, "after"): -1, (pos, "dropped"): -1})
        if pos > 0:
            relations.append({(pos - 1, "after"): 1, (pos, "before"): -1})
    if not primary and not extra:
        return set()
    return complementary_suppression(counts, relations, primary, k, sensitive=extra)


def published_funnel(funnel: pd.DataFrame, k: int) -> pd.DataFrame:
    """The funnel as the report publishes it: steps in order, hidden counts null.

    >>> f = pd.DataFrame({"step": [1, 2], "filter": ["a", "b"], "description": ["", ""],
    ...     "firms_before": [40, 37], "firms_after": [37, 30], "firms_dropped": [3, 7],
    ...     "rows_before": [900, 850], "rows_after": [850, 700], "rows_dropped": [50, 150]})
    >>> published_funnel(f, 10)["firms_dropped"].tolist()
    [<NA>, <NA>]
    """
    funnel = funnel.sort_values("step").reset_index(drop=True)
    hidden = _funnel_hidden(funnel, k)
    out = funnel.copy()
    for col in hidden.columns:
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("Int64").mask(hidden[col])
    return out


def published_quality(
    accounting: pd.DataFrame, quarantine: pd.DataFrame, k: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The accounting table and quarantine summary as the report publishes them (hidden
    counts null, notes masked)."""
    hidden, reasons = _quality_hidden(accounting, quarantine, k)
    acc = accounting.reset_index(drop=True).copy()
    for col in _ACCOUNTING_COUNTS:
        if col in acc.columns:
            mask = pd.Series([(i, col) in hidden for i in acc.index], index=acc.index)
            acc[col] = pd.to_numeric(acc[col], errors="coerce").astype("Int64").mask(mask)
    if "notes" in acc.columns:
        acc["notes"] = [_masked_note(n, k) if isinstance(n, str) else n for n in acc["notes"]]
    quar = quarantine.reset_index(drop=True).copy()
    mask = pd.Series([i in reasons for i in quar.index], index=quar.index, dtype=bool)
    quar["rows"] = pd.to_numeric(quar["rows"], errors="coerce").astype("Int64").mask(mask)
    return acc, quar


def _funnel_section(run: _Run, k: int) -> str:
    from econscope.report.html import SUPPRESSED, Code, paragraph, table

    if run.funnel is None:
        return _na("The sample funnel (panel/funnel.csv)")
    funnel = run.funnel.sort_values("step").reset_index(drop=True)
    hidden = _funnel_hidden(funnel, k)
    rows = []
    for idx, rec in funnel.iterrows():
        cells: list[object] = [
            _fmt(rec["step"]),
            Code(str(rec["filter"])),
            _fmt(rec["description"]),
        ]
        cells += [
            SUPPRESSED if hidden.loc[idx, c] else _fmt(rec[c]) for c in _FUNNEL_FIRMS + _FUNNEL_ROWS
        ]
        rows.append(cells)
    return paragraph(
        "Firms and rows (card statements) kept and dropped at each filter of the sample. "
        f"A count of 1 to {k - 1} firms is suppressed with its rows, and so are enough "
        "other counts (totals between steps, other drops) that no hidden count can be "
        "recovered by subtraction.",
        css_class="note",
    ) + table(
        ["Step", "Filter", "What it keeps", *_FUNNEL_HEADERS],
        rows,
        suppressed_note=f"suppressed: fewer than {k} firms",
    )


def figure_notes(spec: TableSpec, settings: Settings) -> list[str]:
    """What a figure holds fixed or assumes, in words (shown under it, and in the files).

    >>> notes = figure_notes(TABLES["fig09"], Settings())
    >>> notes[0]
    'Every model is evaluated at an average daily balance of $10,000 (2022 US dollars) and \
15 cash buffer days; the other covariates at their sample means.'
    """
    cfg = settings.results
    if spec.id == "fig08":
        return [
            "Other covariates held at their estimation-sample means (revenues, expenses, net "
            "cash flow, average daily balance; industry and size at their sample shares); "
            "the firm fixed effects model at the mean firm effect."
        ]
    if spec.id == "fig09":
        return [
            "Every model is evaluated at an average daily balance of "
            f"{money(cfg.predict_adb, settings)} ({money_unit(settings)}) and "
            f"{cfg.predict_buffer_days:g} cash buffer days; the other "
            "covariates at their sample means."
        ]
    if spec.id in ("fig06", "fig07"):
        return [
            f"Firm-years observed in at least {cfg.min_months_observed} months"
            + (" (both years)." if spec.id == "fig07" else ".")
        ]
    if spec.id == "fig03":
        return [f"Index: {cfg.index_base_month} = 100."]
    return []


def _units_html(spec: TableSpec, run_dir_files: bool = True) -> str:
    from econscope.report.html import escape

    units = "; ".join(
        f"{MEASURE_LABELS.get(m, m)}: {u.replace('(0-1)', '(shown in percent)')}"
        for m, u in spec.measures.items()
    )
    files = f" Data: <code>results/{escape(spec.id)}.csv</code>"
    if run_dir_files:
        files += f"; figure files <code>figures/{escape(spec.id)}.png</code> and <code>.svg</code>"
    return f"Units: {escape(units)}.{files}."


def _tabA1_section(frame: pd.DataFrame | None, k: int, spec: TableSpec) -> str:
    from econscope.report.charts import chart_rows
    from econscope.report.html import SUPPRESSED, table

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
    header = ["Industry"] + [
        MEASURE_LABELS.get(m, m) + ("" if "count" in spec.measures[m] else f" ({spec.measures[m]})")
        for m in measures
    ]
    return f'<p class="note">{_units_html(spec, run_dir_files=False)}</p>' + table(
        header, out, suppressed_note=f"suppressed: fewer than {k} firms"
    )


def _models_section(run: _Run, k: int, settings: Settings, *, no_cards: bool = False) -> str:
    from econscope.report.html import paragraph
    from econscope.report.tables import note as table_note
    from econscope.report.tables import regression_table

    if run.models is None:
        return _na("The regression table (results/models.csv)")
    if no_cards and run.models.empty:
        return paragraph(
            "Needs card data: the models explain revolving a card balance, and this "
            "deposit-only run has no card statements, so no model was fitted.",
            css_class="note",
        )
    rendered = regression_table(run.models, run.models_fit, k=k, settings=settings)
    fit_note = "" if run.models_fit is not None else f" Model fit: {_NOT_AVAILABLE}."
    note = table_note(settings)
    return paragraph(note + fit_note, css_class="note") + (
        '<div class="table-wrap">'
        + rendered.to_html(suppressed_note=f"suppressed: fewer than {k} firms")
        + "</div>"
    )


_ACCOUNTING_COUNTS = ("rows_in", "rows_accepted", "rows_quarantined")
#: A number in a note: digits with optional thousands commas and decimals.
_NOTE_NUMBER = re.compile(
    r"(?<![\w.,])\d{1,3}(?:,\d{3})*(?:\.\d+)?(?![\w])|(?<![\w.,])\d+(?:\.\d+)?(?![\w])"
)
#: A maximum or minimum in a note is one account's own value.
_NOTE_EXTREME = re.compile(r"\b(max|min)\b([^0-9]{0,12})-?[0-9][0-9,]*(?:\.[0-9]+)?", re.IGNORECASE)


def _quality_hidden(
    accounting: pd.DataFrame | None, quarantine: pd.DataFrame | None, k: int
) -> tuple[set[tuple[int, str]], set[int]]:
    """Which counts of the accounting table ((row, column)) and of the quarantine summary
    (row) to suppress.

    Primary: every count of 1 to k-1 rows (a handful of rows can be one firm's, and in
    the firms table a row is a firm). Complementary, per input table: ``rows_in =
    rows_accepted + rows_quarantined`` and ``rows_quarantined`` = the sum of its
    reasons; across tables the totals read and quarantined are known (the run summary
    prints them). :func:`econscope.disclosure.complementary_suppression` hides further
    counts until no hidden one is the only unknown of a relation.
    """
    from econscope.disclosure import KNOWN, Count, complementary_suppression

    counts: dict[Any, Count] = {}
    relations: list[dict[Any, int]] = []
    primary: set[Any] = set()

    def add(key: Any, raw: object) -> Any:
        num = pd.to_numeric(pd.Series([raw]), errors="coerce").iloc[0]
        value = 0 if pd.isna(num) else int(num)
        counts[key] = Count(key, value)
        if 0 < value < k:
            primary.add(key)
        return key

    acc = accounting if accounting is not None else pd.DataFrame(columns=["table"])
    quar = quarantine if quarantine is not None else pd.DataFrame(columns=["table"])
    totals: dict[str, dict[Any, int]] = {"rows_in": {}, "rows_quarantined": {}}
    grand = {"rows_in": 0, "rows_quarantined": 0}
    for pos, rec in enumerate(acc.to_dict("records")):
        if not all(c in rec for c in _ACCOUNTING_COUNTS):
            continue
        keys = {c: add(("acc", pos, c), rec[c]) for c in _ACCOUNTING_COUNTS}
        relations.append(
            {keys["rows_in"]: 1, keys["rows_accepted"]: -1, keys["rows_quarantined"]: -1}
        )
        for col in totals:
            totals[col][keys[col]] = -1
            grand[col] += counts[keys[col]].value
        reasons = {
            add(("quar", qpos), q.get("rows"))
            for qpos, q in enumerate(quar.to_dict("records"))
            if str(q.get("table")) == str(rec["table"])
        }
        if reasons:
            relations.append({keys["rows_quarantined"]: 1, **{r: -1 for r in reasons}})
    for col, terms in totals.items():
        if terms:
            counts[("total", col)] = Count(KNOWN, grand[col])
            relations.append({("total", col): 1, **terms})
    if not primary:
        return set(), set()
    hidden = complementary_suppression(counts, relations, primary, k)
    cells = {(h[1], h[2]) for h in hidden if h[0] == "acc"}
    rows = {h[1] for h in hidden if h[0] == "quar"}
    return cells, rows


def _masked_note(note: str, k: int) -> str:
    """A note with every count of 1 to k-1 and every maximum or minimum suppressed.

    >>> _masked_note("3 accepted firms have industry 'unknown'; 1,200 rows", 10)
    "fewer than 10 accepted firms have industry 'unknown'; 1,200 rows"
    >>> _masked_note("max |drift| 1,234.50 USD (median 0.00)", 10)
    'max |drift| (suppressed) USD (median 0.00)'
    """
    note = _NOTE_EXTREME.sub(lambda m: f"{m.group(1)}{m.group(2)}(suppressed)", note)

    def small(m: re.Match[str]) -> str:
        text = m.group(0)
        value = float(text.replace(",", ""))
        whole = value == int(value) and "." not in text
        return f"fewer than {k}" if whole and 0 < value < k else text

    return _NOTE_NUMBER.sub(small, note)


def _quality_section(run: _Run, k: int) -> str:
    from econscope.report.html import SUPPRESSED, Code, paragraph, table

    hidden, hidden_reasons = _quality_hidden(run.accounting, run.quarantine, k)
    parts = [
        paragraph(
            f"A count of 1 to {k - 1} rows is suppressed (a few rows can be one firm's), "
            "with the counts that would give it back by subtraction; in the notes, such "
            "counts and every maximum or minimum (one account's own value) are suppressed.",
            css_class="note",
        )
    ]
    if run.accounting is None:
        parts.append(_na("Row accounting (validated/accounting.csv)"))
    else:
        cols = list(run.accounting.columns)

        def cell(pos: int, col: str, value: object) -> object:
            if (pos, col) in hidden:
                return SUPPRESSED
            if col == "notes" and isinstance(value, str):
                return _masked_note(value, k)
            return _fmt(value)

        parts.append(
            table(
                [c.replace("_", " ").capitalize() for c in cols],
                [
                    [
                        Code(str(r[0])),
                        *(cell(pos, c, v) for c, v in zip(cols[1:], r[1:], strict=True)),
                    ]
                    for pos, r in enumerate(run.accounting.itertuples(index=False))
                ],
                caption="Rows read, accepted and quarantined per input table",
                suppressed_note=f"suppressed: fewer than {k} rows, or would give one back",
            )
        )
    if run.quarantine is None:
        parts.append(_na("Quarantined rows by reason (validated/quarantine_summary.csv)"))
    elif run.quarantine.empty:
        parts.append(paragraph("No row was quarantined."))
    else:
        q = run.quarantine.reset_index(drop=True)
        order = q.sort_values(["table", "reason"]).index
        parts.append(
            table(
                ["Table", "Reason", "Rows"],
                [
                    [
                        Code(str(q.loc[i, "table"])),
                        Code(str(q.loc[i, "reason"])),
                        SUPPRESSED if i in hidden_reasons else _fmt(q.loc[i, "rows"]),
                    ]
                    for i in order
                ],
                caption="Quarantined rows by reason (reason codes: see docs/contract.md)",
                suppressed_note=f"suppressed: fewer than {k} rows, or would give one back",
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
    from econscope.report.html import Code, paragraph, table

    described = _descriptions()
    rows: list[list[object]] = []
    for name, value in _flatten(recorded):
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        rows.append([Code(name), Code(text), described.get(name, "")])
    return paragraph(
        "Every assumption and threshold the results were made with (from the results "
        f"manifest). Disclosure threshold applied by this report: k = {k}.",
        css_class="note",
    ) + table(["Setting", "Value", "Meaning"], rows)


def _provenance_section(run: _Run, run_dir: Path, version: str) -> str:
    from econscope.report.html import Code, paragraph, table

    rows: list[list[object]] = []
    for stage, m in run.manifests.items():
        if m is None:
            rows.append([Code(stage), _NOT_AVAILABLE, "", ""])
            continue
        # No creation time and no keys of working files (Parquet row order may differ
        # between runs): the page shows what decides it, the bank's tables and its lineage.
        rows.append([Code(stage), m.version, "bank lineage", Code(m.lineage or _NOT_AVAILABLE)])
        if stage == "validated":
            for name, digest in sorted(m.inputs.items()):
                rows.append(["", "", f"input {name}", Code(digest)])
    published = [
        [Code("results/"), Code(fingerprint(run_dir / "results"))],
    ]
    return (
        paragraph(f"econscope version rendering this report: {version}.")
        + table(
            ["Stage", "Version", "What", "SHA-256"],
            rows,
            caption="Stage manifests: input fingerprints and keys",
        )
        + table(["Published files", "SHA-256"], published)
    )


# --------------------------------------------------------------------------- the report


def _fidelity_target(what: str, comparable: bool) -> str:
    """A target's words; without its US-dollar amounts when the run's money differs."""
    if comparable:
        return what
    return re.sub(r"\s*\([^)]*\$[^)]*\)", "", what).strip()


def _fidelity_verdict(row: Any) -> str:
    if pd.isna(row.within):
        note = str(row.note)
        if note.startswith("no published cell") or note.startswith("fewer than two"):
            note = "its cells are suppressed (fewer than k firms) or absent"
        return note if note.startswith("not comparable") else f"not measurable: {note}"
    if row.kind == "finding":
        return "holds" if str(row.within).lower() == "true" else "does not hold"
    return "within tolerance" if str(row.within).lower() == "true" else "outside tolerance"


def _fidelity_section(run_dir: Path, settings: Settings) -> Any:
    """ "How this run compares with the published report": a lead with the counts, then
    results/fidelity.csv as a table behind an expander (computed from the result tables
    when the file is not there). Reads published cells only. Money targets of a run in
    another currency (or at other prices) are listed as not comparable, without their
    US-dollar amounts."""
    from econscope.report.html import Section, paragraph, table
    from econscope.smallbiz.results.fidelity import FIDELITY_FILE, compare

    path = run_dir / "results" / FIDELITY_FILE
    f = pd.read_csv(path, dtype={"id": "str"}) if path.exists() else compare(run_dir)
    notes = f["note"].fillna("").astype(str)
    apart = notes.str.startswith("not comparable")
    usd = settings.money.currency == "USD"

    def shown(row: Any) -> str | None:
        v = row.reproduced
        if pd.isna(v):
            return None
        if row.kind == "finding":
            return "holds" if v else "does not hold"
        if row.unit == "share":
            return f"{100 * v:.1f}%"
        if row.unit != "dollars":
            return f"{v:.1f}"
        return f"${v:,.0f}" if usd else f"{v:,.0f} {settings.money.currency}"

    rows = [
        [
            figure_number(r.figure) or r.figure,
            _fidelity_target(str(r.what), not cut),
            r.report if not cut else f"in {REPORT_CURRENCY}",
            shown(r),
            _fidelity_verdict(r),
        ]
        for r, cut in zip(f.itertuples(index=False), apart, strict=True)
    ]
    numbers, findings = f[f.kind == "number"], f[f.kind == "finding"]
    hit = (numbers.within.astype(str).str.lower() == "true").sum()
    held = (findings.within.astype(str).str.lower() == "true").sum()
    measured = int(f.within.notna().sum())
    outside = int(notes.str.startswith("outside this run").sum())
    lead = (
        f"The published report gives {len(numbers)} numbers and {len(findings)} qualitative "
        f"findings; {measured} of them can be measured on this run. {hit} numbers are "
        f"reproduced within tolerance (shares within 3 points, money and day levels within "
        f"15%) and {held} findings hold."
    )
    if outside:
        lead += f" {outside} fall outside the period of this run's data."
    if apart.any():
        lead += (
            f" {int(apart.sum())} are amounts of money (or made at one) that cannot be "
            f"compared: the report's are in {REPORT_PRICE_YEAR} {REPORT_CURRENCY}, this "
            f"run's in {money_unit(settings)}."
        )
    lead += (
        " Each number is read from this run's published tables as a reader of the report "
        "would read the figure; on a bank's own data this compares that bank with the "
        "Institute's."
    )
    files = (
        '<p class="note">How each target is read, and the report\'s sentence: '
        "<code>results/fidelity.csv</code>; the targets: "
        "<code>econscope/smallbiz/targets.csv</code>.</p>"
    )
    header = ["Figure", "Target", "Published report", "This run", "Verdict"]
    body = (
        paragraph(lead)
        + f"<details><summary>All {len(f)} targets, one by one</summary>"
        + table(header, rows)
        + "</details>"
        + files
    )
    return Section("fidelity", "How this run compares with the published report", body)


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


def effective_settings(run_dir: str | Path, settings: Settings) -> Settings:
    """``settings`` with the values the analysis chose for the run's period in force
    (``results/notes.csv``: fig03's base month, fig05's years, the findings window ...)."""
    return _effective_settings(settings, _run_notes(Path(run_dir)))


_SETTING_NAME = re.compile(
    r"\b(?:results|sample|money|prices|size|disclosure|panel|engine)\.[A-Za-z_][A-Za-z0-9_]*"
)


def _notes_section(notes: pd.DataFrame) -> str:
    """The analysis's notes, a setting a reader may type shown as ``<code>``."""
    from econscope.report.html import escape

    def marked(text: str) -> str:
        return _SETTING_NAME.sub(lambda m: f"<code>{m.group(0)}</code>", escape(text))

    return "".join(f'<p class="note">{marked(str(n))}</p>' for n in notes["note"])


def _card_figures_section(titles: Sequence[str]) -> Any:
    """One section for the figures a deposit-only run cannot draw, naming each."""
    from econscope.report.html import Section, escape

    items = "".join(f"<li>{escape(t)}</li>" for t in titles)
    return Section(
        "card-figures",
        "Figures that need card data",
        '<p class="note">Needs card data: this is a deposit-only run (no '
        "<code>card_accounts</code>, <code>card_statements</code> and "
        "<code>card_transactions</code> tables), so these figures and the regression models "
        f'are not drawn:</p><ul class="note">{items}</ul>',
    )


def _figure_ids() -> list[str]:
    return [tid for tid, spec in TABLES.items() if spec.chart != "table"]


@dataclass(frozen=True)
class ReportResult:
    """What :func:`render_report` wrote (or found and reused): the page and the figures."""

    path: Path
    figures: tuple[Path, ...]
    manifest: Manifest
    reused: bool


def render_report(
    run_dir: str | Path,
    settings: Settings | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> ReportResult:
    """Write ``figures/<id>.png|.svg`` and the offline ``report.html`` of a run.

    ``settings=None`` uses the settings recorded in the results manifest (defaults when
    there is none); ``settings.disclosure.k`` is the threshold the report enforces and
    names. A rerun over unchanged results reuses the files (``figures/manifest.json``).
    ``progress`` is called with each figure's id once its files are written (and not at
    all when the files are reused).
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
        return _render(run, run_dir, figures, settings, recorded, progress)

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


def figure_number(table_id: str) -> str:
    """'fig02' -> 'Figure 2'; a figure the published report does not have gets no number.

    >>> figure_number("fig10"), figure_number("cashflow")
    ('Figure 10', '')
    """
    match = re.fullmatch(r"fig(\d+)", table_id)
    return f"Figure {int(match.group(1))}" if match else ""


def _figure_section(
    spec: TableSpec, run: _Run, settings: Settings, panel_ids: list[str], fidelity: bool
) -> str:
    from econscope.report.charts import chart_rows
    from econscope.report.findings import finding
    from econscope.report.html import escape, figure

    tid = spec.id
    k = settings.disclosure.k
    frame = run.tables[tid]
    if frame is None:
        return _na(f"This figure (results/{tid}.csv)")
    context = {"settings": settings}
    sentence = finding(tid, chart_rows(spec, frame, k=k), context)
    parts = []
    if sentence:
        parts.append(f'<p class="finding">{escape(sentence)}</p>')
    else:
        parts.append(
            '<p class="finding no-finding">No finding: the cells it would read are suppressed '
            f"(fewer than {k} firms) or absent in this run.</p>"
        )
    notes = " ".join(figure_notes(spec, settings))
    caption = (escape(notes) + " " if notes else "") + _units_html(spec)
    caption += (
        " Hover a point or bar for its value, unit, number of firms and status; ▲ marks a "
        f"cell suppressed (fewer than {k} firms)."
    )
    if fidelity:
        caption += ' <a href="#fidelity">How this run compares with the published report</a>.'
    return figure(panel_ids) + "".join(parts) + f'<p class="note">{caption}</p>'


def _render(
    run: _Run,
    run_dir: Path,
    figures: Path,
    settings: Settings,
    recorded: dict[str, Any],
    progress: Callable[[str], None] | None = None,
) -> StageOutput:
    from econscope import __version__

    k = settings.disclosure.k
    target = run_dir / "report.html"
    notes = _run_notes(run_dir)
    effective = _effective_settings(settings, notes)
    tspecs = table_specs(effective)
    from econscope.report.charts import chart, chart_rows, panels
    from econscope.report.html import Section, build_page, javascript_bundle, write_page
    from econscope.report.static import write_static

    # The Vega bundle takes a second or two to assemble (in Rust, off the GIL): overlap it.
    bundle = ThreadPoolExecutor(1, thread_name_prefix="vega-bundle")
    bundle.submit(javascript_bundle)
    bundle.shutdown(wait=False)

    no_cards = bool((notes["setting"] == "mode").any() and "deposits_only" in set(notes["value"]))
    skipped = CARD_TABLES if no_cards else frozenset()
    # Every table is checked (and charted) before the first file is written.
    page_specs: dict[str, dict[str, Any]] = {}
    figure_panels: dict[str, list[str]] = {}
    static_specs: dict[str, dict[str, Any]] = {}
    for tid in _figure_ids():
        frame = run.tables[tid]
        if frame is None or tid in skipped:
            continue
        spec = tspecs[tid]
        ids = []
        # the chart code is schema-checked by the tests; skipping it here saves ~0.1 s a chart
        for pid, panel in panels(spec, frame, k=k):
            page_specs[pid] = panel.to_dict(validate=False)
            ids.append(pid)
        figure_panels[tid] = ids
        static_specs[tid] = chart(spec, frame, k=k, notes=figure_notes(spec, effective)).to_dict(
            validate=False
        )
    if run.tables["tabA1"] is not None:
        chart_rows(tspecs["tabA1"], run.tables["tabA1"], k=k)
    fidelity = (run_dir / "results" / "fidelity.csv").is_file()
    sections = []
    if len(notes):
        sections.append(Section("notes", "Notes on this run", _notes_section(notes)))
    sections.append(Section("funnel", "Sample funnel", _funnel_section(run, k)))
    outputs: list[str] = []
    card_titles: list[str] = []
    for tid in _figure_ids():
        spec = tspecs[tid]
        number = figure_number(tid)
        title = f"{number}. {spec.title}" if number else spec.title
        if tid in skipped:
            card_titles.append(title)
            if len(card_titles) == 1:  # one section for them all, where the first one goes
                sections.append(Section("card-figures", "Figures that need card data", ""))
            continue
        if tid not in figure_panels:
            sections.append(Section(tid, title, _na(f"This figure (results/{tid}.csv)")))
            continue
        png, svg = write_static(static_specs[tid], figures, tid)
        outputs += [png.name, svg.name]
        if progress is not None:
            progress(tid)
        sections.append(
            Section(tid, title, _figure_section(spec, run, effective, figure_panels[tid], fidelity))
        )
    if card_titles:
        sections = [
            _card_figures_section(card_titles) if s.id == "card-figures" else s for s in sections
        ]
    sections += [
        Section(
            "tabA1",
            tspecs["tabA1"].title,
            _tabA1_section(run.tables["tabA1"], k, tspecs["tabA1"]),
        ),
        Section(
            "models",
            "Regression models of revolving",
            _models_section(run, k, effective, no_cards=no_cards),
        ),
        _fidelity_section(run_dir, effective),
        Section("quality", "Data quality", _quality_section(run, k)),
        Section("settings", "Assumptions and settings in force", _settings_section(recorded, k)),
        Section(
            "provenance", "Fingerprints and version", _provenance_section(run, run_dir, __version__)
        ),
    ]
    page = build_page(
        "Cash or credit? Small business use of credit cards for cash flow management",
        sections,
        page_specs,
        lead=(
            f"econscope {__version__} report (when it was rendered is recorded in "
            "figures/manifest.json, not here, so the same run renders the same bytes). "
            f"Published cells describe at least k = {k} firms; smaller cells are "
            "suppressed and marked."
        ),
    )
    write_page(page, target)
    outputs.append("../report.html")
    return StageOutput(rows={"figures": len(static_specs)}, outputs=outputs)
