"""The economies report: a study's comparisons as charts and its claims ledger as a table.

Built with the same layer as the smallbiz report (:mod:`econscope.report.html`,
:mod:`econscope.report.static`): one offline HTML page (no request of any kind), and a
PNG and an SVG of every chart under ``figures/``. The ledger table can be filtered by
verdict in the page (a select box; inline script, allowed by the page's policy).

Rendering only: it draws the study's tidy chart rows and ledger; nothing is computed here.

>>> import pandas as pd
>>> rows = pd.DataFrame({"chart": "c", "series": ["a", "b"], "x": ["2020", "2020"],
...                      "value": [1.0, 2.0], "unit": "percent", "source": "facts"})
>>> sorted(study_chart("line", rows, "growth").to_dict()["encoding"])
['color', 'detail', 'strokeDash', 'tooltip', 'x', 'y']
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import altair as alt
import pandas as pd

from econscope.report.html import Section, build_page, chart_container, escape, paragraph, table
from econscope.report.html import write_page as _write_page
from econscope.report.static import write_static

if TYPE_CHECKING:
    from econscope.economies.study import StudyResult, StudySpec

__all__ = ["VERDICT_TEXT", "ledger_table", "render_study_report", "study_chart"]

#: What each verdict means, as the report's legend says it.
VERDICT_TEXT: dict[str, str] = {
    "consistent": "the figure recomputed from the printed inputs rounds to the figure stated",
    "consistent_within_rounding": (
        "it does not, but inputs inside the rounding of their printed digits give it"
    ),
    "inconsistent": "no inputs inside their rounding give the figure stated",
    "mixes_vintages": "the claim joins two releases (vintages) of the same series",
    "different_concepts": (
        "an input is another concept than the argument needs (gross revenue read as value "
        "added; registered FDI read as the balance-of-payments inflow)"
    ),
    "window_dependent": "true for the years chosen, false for other windows",
    "not_checkable": "the inputs given cannot check it; the note says what would",
}
_WIDTH = 620
_HEIGHT = 260

_FILTER_JS = """
(function () {
  var select = document.getElementById("verdict-filter");
  var count = document.getElementById("verdict-count");
  function apply() {
    var want = select.value, shown = 0;
    var rows = document.querySelectorAll("#ledger tbody tr");
    for (var i = 0; i < rows.length; i++) {
      var ok = want === "all" || rows[i].getAttribute("data-verdict") === want;
      rows[i].style.display = ok ? "" : "none";
      if (ok) { shown++; }
    }
    count.textContent = shown + " of " + rows.length + " claims";
  }
  select.addEventListener("change", apply);
  apply();
})();
"""

_LEDGER_CSS = """
<style>
.ledger-wrap { overflow-x: auto; }
#ledger { width: 100%; table-layout: fixed; }
#ledger td { text-align: left; font-size: 0.82em; overflow-wrap: anywhere; }
#ledger th:nth-child(1) { width: 11%; } #ledger th:nth-child(2) { width: 15%; }
#ledger th:nth-child(3) { width: 18%; } #ledger th:nth-child(4) { width: 14%; }
#ledger th:nth-child(5) { width: 8%; } #ledger th:nth-child(6) { width: 9%; }
#ledger th:nth-child(7) { width: 12%; } #ledger th:nth-child(8) { width: 13%; }
#ledger td.verdict { white-space: nowrap; font-weight: 600; }
tr[data-verdict="consistent"] td.verdict { color: #2e7d32; }
tr[data-verdict="consistent_within_rounding"] td.verdict { color: #558b2f; }
tr[data-verdict="inconsistent"] td.verdict { color: #b03a2e; }
tr[data-verdict="mixes_vintages"] td.verdict,
tr[data-verdict="different_concepts"] td.verdict,
tr[data-verdict="window_dependent"] td.verdict { color: #b26a00; }
tr[data-verdict="not_checkable"] td.verdict { color: #5b6776; }
.filter { margin: 8px 0; }
</style>
"""


def study_chart(kind: str, rows: pd.DataFrame, y_title: str) -> alt.TopLevelMixin:
    """A line chart over years or a grouped bar chart of one study chart's tidy rows
    (columns series, x, value, unit, source)."""
    data = rows[["series", "x", "value", "unit", "source"]].copy()
    tooltip = [
        alt.Tooltip("series:N"),
        alt.Tooltip("x:N", title="period / item"),
        alt.Tooltip("value:Q", format=",.2f"),
        alt.Tooltip("unit:N"),
        alt.Tooltip("source:N"),
    ]
    base = alt.Chart(data).properties(width=_WIDTH, height=_HEIGHT)
    color = alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom", columns=2))
    if kind == "line":
        # "China (article)" and "China (WDI)": one colour per entity, one dash per origin
        data["year"] = pd.to_numeric(data["x"], errors="coerce")
        split = data["series"].str.extract(r"^(?P<entity>.*?)(?: \((?P<origin>[^)]*)\))?$")
        data["entity"] = split["entity"]
        data["origin"] = split["origin"].fillna("")
        base = alt.Chart(data).properties(width=_WIDTH, height=_HEIGHT)
        return base.mark_line(point=True).encode(
            x=alt.X("year:Q", title=None, axis=alt.Axis(format="d", tickMinStep=1)),
            y=alt.Y("value:Q", title=y_title),
            color=alt.Color("entity:N", title=None, legend=alt.Legend(orient="bottom", columns=3)),
            strokeDash=alt.StrokeDash("origin:N", title=None, legend=alt.Legend(orient="bottom")),
            detail="series:N",
            tooltip=tooltip,
        )
    order = list(dict.fromkeys(data["x"]))
    return base.mark_bar().encode(
        x=alt.X("x:N", title=None, sort=order, axis=alt.Axis(labelAngle=0, labelLimit=160)),
        xOffset=alt.XOffset("series:N"),
        y=alt.Y("value:Q", title=y_title),
        color=color,
        tooltip=tooltip,
    )


def ledger_table(ledger: pd.DataFrame) -> str:
    """The ledger as an HTML table whose rows carry ``data-verdict``, with a verdict filter."""
    counts = Counter(ledger["verdict"])
    options = ['<option value="all">all verdicts</option>'] + [
        f'<option value="{escape(v)}">{escape(v)} ({counts[v]})</option>'
        for v in VERDICT_TEXT
        if counts.get(v)
    ]
    columns = list(ledger.columns)
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = []
    for row in ledger.itertuples(index=False):
        cells = "".join(
            f'<td class="{"verdict" if c == "verdict" else "text"}">{escape(getattr(row, c))}</td>'
            for c in columns
        )
        attrs = f'data-verdict="{escape(row.verdict)}" id="claim-{escape(row.claim_id)}"'
        body.append(f"<tr {attrs}>{cells}</tr>")
    return (
        _LEDGER_CSS
        + '<div class="filter"><label for="verdict-filter">Show </label>'
        + f'<select id="verdict-filter">{"".join(options)}</select> '
        + '<span id="verdict-count" class="note"></span></div>'
        + '<div class="ledger-wrap">'
        + f'<table id="ledger"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
        + "</div>"
        + f"<script>{_FILTER_JS}</script>"
    )


def _facts_section(spec: StudySpec) -> str:
    from econscope.economies.ledger import format_value
    from econscope.economies.readers import read_facts

    res = read_facts(spec.facts_path)
    checks = {r["fact_id"]: r for r in res.checks.to_pylist()} if res.checks is not None else {}
    rows = []
    for f in res.facts:
        c = checks.get(f.fact_id, {})
        reading = c.get("reading") or c.get("raw_status", "")
        rows.append(
            [
                f.fact_id,
                format_value(f.value, f.unit),
                f.period,
                f.concept,
                f.raw,
                reading,
                " ".join(f.quote.split()),
            ]
        )
    return paragraph(
        "Every number the publication quotes, as the facts file reads it: the value in base "
        "units with its scale fixed, the phrase as printed, how the printed phrase reads "
        "(machine translations render 亿 as 'billion' and 万 as 'ten thousand'), and the "
        "sentence it comes from.",
        css_class="note",
    ) + table(
        ["fact", "value", "period", "concept", "as printed", "reading", "sentence"],
        rows,
        caption=f"{len(rows)} facts from {spec.facts_path.name}",
    )


def render_study_report(result: StudyResult, spec: StudySpec) -> tuple[Path, tuple[Path, ...]]:
    """Write ``report.html`` and ``figures/<chart>.png|svg`` into the study's output folder.

    Returns the page's path and the figure files.
    """
    out = Path(result.out_dir)
    figures_dir = out / "figures"
    figures_dir.mkdir(parents=True, exist_ok=True)
    specs: dict[str, dict[str, Any]] = {}
    figures: list[Path] = []
    chart_sections: list[Section] = []
    for ch in spec.charts:
        rows = result.charts[result.charts["chart"] == ch.id]
        if rows.empty:
            continue
        chart = study_chart(ch.kind, rows, ch.y_title).properties(title=ch.title)
        specs[ch.id] = chart.to_dict()
        figures.extend(write_static(chart, figures_dir, ch.id))
        body = chart_container(ch.id, ch.caption or None)
        sources = sorted(set(rows["source"]))
        body += paragraph("Sources: " + "; ".join(sources), css_class="note")
        chart_sections.append(Section(f"chart-{ch.id}", ch.title, body))
    counts = Counter(result.ledger["verdict"])
    summary = table(
        ["verdict", "claims", "meaning"],
        [[v, counts.get(v, 0), VERDICT_TEXT[v]] for v in VERDICT_TEXT],
        caption=f"{len(result.ledger)} claims",
    )
    data_note = (
        "Real data checked against: " + "; ".join(result.data_files)
        if result.data_files
        else "No real data files were given: the data_check column says so; pass WDI and "
        "Comtrade files (econscope economies study NAME --data FILE ...) to check each "
        "claim against current data."
    )
    sections = [
        Section(
            "summary",
            "Verdicts",
            paragraph(
                "Each quantitative claim is recomputed from the numbers the publication prints "
                "(units, scales and currencies fixed; each printed number carries the interval "
                "its digits allow) and judged against the figure it states."
            )
            + summary
            + paragraph(data_note, css_class="note"),
        ),
        *chart_sections,
        Section("ledger", "Claims ledger", ledger_table(result.ledger)),
        Section("facts", "The publication's numbers", _facts_section(spec)),
    ]
    page = build_page(
        spec.title or spec.name,
        sections,
        specs,
        lead=spec.document or None,
    )
    path = _write_page(page, out / "report.html")
    return path, tuple(figures)
