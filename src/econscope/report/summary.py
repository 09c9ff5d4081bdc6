"""The summary of a smallbiz run, statsmodels-style: text for the terminal, HTML for notebooks.

:func:`run_summary` builds a :class:`Summary` from the published pieces of a run (the
stage times, the row accounting, the sample funnel, models.csv / models_fit.csv, the
result tables and the report's path): a header, the funnel from the first count to the
sample, the coefficient table in etable style (:func:`econscope.report.tables.regression_table`,
the same table the CLI and the HTML report show), one finding per figure
(:func:`econscope.report.findings.finding`) and where the report is. ``str(summary)``
is the text; in Jupyter the summary renders itself as HTML (``_repr_html_``).

Disclosure: the funnel hides a count of 1 to k-1 firms or statements and the counts that
would give it back (the report's rule); a model on fewer than k firms is suppressed.

>>> import pandas as pd
>>> s = Summary(title="demo", header=(("Firms in the sample", "120"),), sections=())
>>> print(s.as_text())
demo
====
Firms in the sample  120
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from econscope.config import Settings
from econscope.report.tables import RegressionTable, regression_table
from econscope.smallbiz.tables import TABLES, table_specs

__all__ = ["Summary", "run_summary"]

_CSS = (
    "<style>.econscope-summary{font:13px/1.45 system-ui,sans-serif;max-width:920px}"
    ".econscope-summary table{border-collapse:collapse;margin:4px 0 10px}"
    ".econscope-summary th,.econscope-summary td{padding:2px 10px;text-align:left;"
    "border-bottom:1px solid #e3e7ec}"
    ".econscope-summary td.num,.econscope-summary th.num{text-align:right;"
    "font-variant-numeric:tabular-nums}"
    ".econscope-summary tr.se td{color:#6b7785}"
    ".econscope-summary h4{margin:12px 0 4px;color:#24577a}"
    ".econscope-summary .note{color:#6b7785;font-size:.92em}</style>"
)


@dataclass(frozen=True)
class Section:
    """One part of a summary: a heading and either key-value lines, sentences or a table."""

    title: str
    lines: tuple[tuple[str, str], ...] = ()
    sentences: tuple[str, ...] = ()
    table: RegressionTable | None = None
    note: str = ""


@dataclass(frozen=True)
class Summary:
    """A run's summary: ``as_text()``, ``as_html()``; prints as text, renders as HTML."""

    title: str
    header: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]
    links: tuple[tuple[str, Path], ...] = ()

    def as_text(self) -> str:
        out = [self.title, "=" * len(self.title)]
        out += _pairs(self.header)
        for section in self.sections:
            out += ["", section.title, "-" * len(section.title)]
            out += _pairs(section.lines)
            if section.table is not None:
                out.append(section.table.to_text())
            out += [f"- {s}" for s in section.sentences]
            if section.note:
                out.append(section.note)
        if self.links:
            out += ["", *(f"{name}: {path}" for name, path in self.links)]
        return "\n".join(out)

    def as_html(self) -> str:
        e = html.escape
        parts = [_CSS, '<div class="econscope-summary">', f"<h3>{e(self.title)}</h3>"]
        parts.append(_html_pairs(self.header))
        for section in self.sections:
            parts.append(f"<h4>{e(section.title)}</h4>")
            if section.lines:
                parts.append(_html_pairs(section.lines))
            if section.table is not None:
                parts.append(section.table.to_html())
            if section.sentences:
                parts.append("<ul>" + "".join(f"<li>{e(s)}</li>" for s in section.sentences))
                parts.append("</ul>")
            if section.note:
                parts.append(f'<p class="note">{e(section.note)}</p>')
        if self.links:
            links = " · ".join(
                f'<a href="{e(path.resolve().as_uri())}">{e(name)}</a>' for name, path in self.links
            )
            parts.append(f"<p>{links}</p>")
        parts.append("</div>")
        return "".join(parts)

    def __str__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()


def _pairs(pairs: Sequence[tuple[str, str]]) -> list[str]:
    width = max((len(k) for k, _ in pairs), default=0)
    return [f"{k:<{width}}  {v}" for k, v in pairs]


def _html_pairs(pairs: Sequence[tuple[str, str]]) -> str:
    e = html.escape
    rows = "".join(f'<tr><th>{e(k)}</th><td class="num">{e(v)}</td></tr>' for k, v in pairs)
    return f"<table>{rows}</table>"


def _funnel_lines(funnel: pd.DataFrame | None, k: int) -> tuple[tuple[str, str], ...]:
    """First and last firm counts; every step's drop unless a small one must stay hidden."""
    from econscope.report.smallbiz import _funnel_hidden

    if funnel is None or funnel.empty:
        return ()
    funnel = funnel.sort_values("step").reset_index(drop=True)
    hidden = _funnel_hidden(funnel, k)
    first, last = funnel.index[0], funnel.index[-1]

    def shown_count(idx: Any, col: str) -> str:
        return "suppressed" if hidden.loc[idx, col] else f"{int(funnel.loc[idx, col]):,}"

    lines = [
        ("Firms at the start", shown_count(first, "firms_before")),
        ("Firms in the sample", shown_count(last, "firms_after")),
        ("Card statements in the sample", shown_count(last, "rows_after")),
    ]
    for idx, rec in funnel.iterrows():
        if int(rec["firms_dropped"] or 0) == 0:
            continue
        shown = (
            "suppressed" if hidden.loc[idx, "firms_dropped"] else f"{int(rec['firms_dropped']):,}"
        )
        lines.append((f"dropped by {rec['filter']}", shown))
    return tuple(lines)


def run_summary(
    *,
    out_dir: Path,
    seconds: Mapping[str, float],
    reused: Mapping[str, bool],
    accounting: pd.DataFrame | None,
    funnel: pd.DataFrame | None,
    models: pd.DataFrame | None,
    models_fit: pd.DataFrame | None,
    tables: Mapping[str, pd.DataFrame],
    report_path: Path | None,
    k: int,
    settings: Settings | None = None,
) -> Summary:
    """The summary of a run from its published pieces (see the module docstring).

    ``settings``: the run's effective settings (money labels in its currency, the period
    of its findings); None = the defaults."""
    from econscope.report.charts import chart_rows
    from econscope.report.findings import finding
    from econscope.report.smallbiz import figure_number

    stages = ", ".join(
        f"{s} {'reused' if reused.get(s) else f'{seconds.get(s, 0.0):.1f} s'}" for s in seconds
    )
    header: list[tuple[str, str]] = [("Run folder", str(out_dir)), ("Stages", stages)]
    if accounting is not None and not accounting.empty:
        header.append(("Rows read", f"{int(accounting['rows_in'].sum()):,}"))
        quarantined = int(accounting["rows_quarantined"].sum())  # 1 to k-1: one firm's?
        shown = f"fewer than {k}" if 0 < quarantined < k else f"{quarantined:,}"
        header.append(("Rows quarantined", shown))
    header.append(("Disclosure threshold", f"k = {k} firms"))
    sections = [Section("Sample", lines=_funnel_lines(funnel, k))]
    if models is not None and not models.empty:
        sections.append(
            Section(
                "Models of revolving",
                table=regression_table(models, models_fit, k=k, settings=settings),
                note="Standard errors clustered by firm; * p < 0.1, ** p < 0.05, *** p < 0.01.",
            )
        )
    specs = table_specs(settings) if settings is not None else TABLES
    sentences = []
    for tid, frame in tables.items():
        spec = specs.get(tid)
        if spec is None or spec.chart == "table" or frame is None:
            continue
        sentence = finding(tid, chart_rows(spec, frame, k=k), {"settings": settings})
        if sentence:
            number = figure_number(tid)
            sentences.append(f"{number}: {sentence}" if number else sentence)
    if sentences:
        sections.append(Section("Findings", sentences=tuple(sentences)))
    links: list[tuple[str, Path]] = []
    if report_path is not None:
        links += [("report", report_path), ("figures", report_path.parent / "figures")]
    links.append(("result tables", out_dir / "results"))
    return Summary(
        title="econscope smallbiz run",
        header=tuple(header),
        sections=tuple(sections),
        links=tuple(links),
    )
