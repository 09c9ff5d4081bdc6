"""The economies report: a study's comparisons as charts and its claims ledger as a table.

Built with the same layer as the smallbiz report (:mod:`econscope.report.html`,
:mod:`econscope.report.static`): one offline HTML page (no request of any kind), and a
PNG and an SVG of every chart under ``figures/``. It reads only a
:class:`~econscope.economies.study.StudyResult` (the ledger, facts and chart tables it
holds): nothing is computed or read from files here.

The page: a verdict summary (a coloured badge per verdict, with its count and meaning,
and the rule that derives it from the parts), one section per chart (the article's
series drawn solid, the data's dashed, each named in the legend), the ledger (verdict
badge in its own column, the five parts as short words, the sentence, inputs and notes
behind an expander, a filter by verdict that keeps the counts) and the article's numbers.

>>> import pandas as pd
>>> rows = pd.DataFrame({"chart": "c", "series": ["a", "a"], "origin": ["article", "data"],
...                      "x": ["2020", "2020"], "value": [1.0, 2.0], "unit": "percent",
...                      "source": "facts"})
>>> spec = study_chart("line", rows, "growth").to_dict()
>>> [sorted(layer["encoding"])[-4:] for layer in spec["layer"]]
[['strokeDash', 'tooltip', 'x', 'y'], ['detail', 'tooltip', 'x', 'y']]
"""

from __future__ import annotations

import textwrap
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import altair as alt
import pandas as pd

from econscope.report.html import Section, build_page, chart_container, escape, paragraph
from econscope.report.html import write_page as _write_page
from econscope.report.static import write_static

if TYPE_CHECKING:
    from econscope.economies.study import StudyResult

__all__ = ["VERDICT_COLOURS", "VERDICT_TEXT", "ledger_table", "render_study_report", "study_chart"]

#: What each verdict means, as the report's legend says it.
VERDICT_TEXT: dict[str, str] = {
    "consistent": "the figure recomputed from the printed inputs equals the figure stated",
    "consistent_within_rounding": (
        "it does not at the printed values, but inputs inside the rounding of their printed "
        "digits give it"
    ),
    "inconsistent": (
        "no inputs inside their rounding give the figure stated, a conversion implies a rate "
        "outside the period's range, or the claim fails on the years it names"
    ),
    "mixes_vintages": "the claim joins two releases (vintages) of one series",
    "different_concepts": (
        "it sets two concepts against each other (gross revenue against value added; "
        "registered FDI against the balance-of-payments inflow)"
    ),
    "window_dependent": "true for the years chosen, false for other windows",
    "not_checkable": "the inputs given cannot check it; the notes say what would",
    "revised_since": "the data's current release differs from the figures the article used",
}
#: Badge colours (background) per verdict.
VERDICT_COLOURS: dict[str, str] = {
    "consistent": "#2e7d32",
    "consistent_within_rounding": "#689f38",
    "inconsistent": "#c62828",
    "mixes_vintages": "#ef6c00",
    "different_concepts": "#8e24aa",
    "window_dependent": "#f9a825",
    "not_checkable": "#78909c",
    "revised_since": "#1e88e5",
}
_RULE = (
    "The headline verdict comes from the parts in one order: nothing computed gives not "
    "checkable; an implied exchange rate outside the period's range, or a claim failing on "
    "the years it names, gives inconsistent; two releases of one series give mixes vintages; "
    "an arithmetic gap gives inconsistent; a claim true on its years but false on others is "
    "window dependent; two concepts set against each other give different concepts; "
    "otherwise the arithmetic decides."
)
_WIDTH = 940
_HEIGHT = 300
_LABEL_CHARS = 18
_ORIGINS = ("the article", "real data", "recomputed")
_PARTS = ("arithmetic", "concept", "vintage", "window", "fx")
_PART_TITLES = {
    "arithmetic": "arithmetic",
    "concept": "concept",
    "vintage": "vintage",
    "window": "window",
    "fx": "exchange rate",
}

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
    count.textContent = shown + " of " + rows.length + " claims shown";
  }
  select.addEventListener("change", apply);
  apply();
})();
"""

_CSS = """
<style>
.badge { display: inline-block; color: #fff; border-radius: 10px; padding: 1px 8px;
         font-size: 0.78em; white-space: nowrap; }
#ledger, #facts { width: 100%; table-layout: fixed; }
#ledger td, #facts td { font-size: 0.84em; overflow-wrap: anywhere; }
#ledger th:nth-child(1) { width: 34%; } #ledger th:nth-child(2) { width: 15%; }
#ledger th:nth-child(3) { width: 27%; } #ledger th:nth-child(4) { width: 24%; }
#facts th:nth-child(1) { width: 26%; } #facts th:nth-child(2) { width: 14%; }
#facts th:nth-child(3) { width: 22%; } #facts th:nth-child(4) { width: 10%; }
#facts th:nth-child(5) { width: 28%; }
ul.parts { list-style: none; margin: 0; padding: 0; }
ul.parts li { margin: 0 0 2px; }
.part { font-weight: 600; }
.part-bad { color: #c62828; } .part-warn { color: #ef6c00; } .part-ok { color: #2e7d32; }
details summary { cursor: pointer; color: var(--accent); font-size: 0.9em; }
details dl { margin: 4px 0; } details dt { font-weight: 600; margin-top: 4px; }
details dd { margin: 0 0 0 10px; }
.filter { margin: 8px 0; }
table#ledger td code, table#facts td code { white-space: normal; overflow-wrap: anywhere; }
@media (max-width: 640px) {
  table#ledger thead { display: none; }
  table#ledger, table#ledger tbody, table#ledger tr, table#ledger td { display: block;
    width: auto; }
  table#ledger tr { border-bottom: 1px solid var(--line); padding: 6px 0; }
  table#ledger td { border-bottom: none; padding: 2px 0; font-size: 0.9em; }
  table#ledger td:nth-child(4)::before { content: "Against real data: "; font-weight: 600; }
  .badge { white-space: normal; }
  table#facts { min-width: 620px; }  /* five columns: scrolled sideways on a phone */
}
</style>
"""


def badge(verdict: str) -> str:
    """A verdict as a coloured badge (words, not the identifier).

    >>> badge("mixes_vintages")[:40]
    '<span class="badge" style="background:#e'
    """
    colour = VERDICT_COLOURS.get(verdict, "#78909c")
    label = verdict.replace("_", " ") if verdict else "not run"
    return f'<span class="badge" style="background:{colour}">{escape(label)}</span>'


def study_chart(kind: str, rows: pd.DataFrame, y_title: str) -> alt.TopLevelMixin:
    """A line chart over years or a grouped bar chart of one chart's tidy rows (columns
    series, origin, x, value, unit, source): colour names the series, and on lines the
    dash tells the article's figures (solid) from the data's (dashed)."""
    data = rows[["series", "origin", "x", "value", "unit", "source"]].copy()
    data["origin"] = (
        data["origin"]
        .map({"article": "the article", "data": "real data", "recomputed": "recomputed"})
        .fillna(data["origin"])
    )
    tooltip = [
        alt.Tooltip("series:N"),
        alt.Tooltip("origin:N", title="from"),
        alt.Tooltip("x:N", title="period or item"),
        alt.Tooltip("value:Q", format=",.2f"),
        alt.Tooltip("unit:N"),
        alt.Tooltip("source:N"),
    ]
    if kind == "line":
        data["year"] = pd.to_numeric(data["x"], errors="coerce")
        base = alt.Chart(data).encode(
            x=alt.X("year:Q", title="year", axis=alt.Axis(format="d", tickMinStep=1)),
            y=alt.Y("value:Q", title=y_title),
            color=alt.Color(
                "series:N",
                title="series",
                legend=alt.Legend(orient="bottom", labelLimit=0, columns=_columns(data)),
            ),
            tooltip=tooltip,
        )
        lines = base.mark_line().encode(
            strokeDash=alt.StrokeDash(
                "origin:N",
                title="figures from",
                # the article's figures solid, real data dashed; a line in the legend
                scale=alt.Scale(domain=[o for o in _ORIGINS if o in set(data["origin"])]),
                legend=alt.Legend(
                    orient="bottom",
                    symbolType="stroke",
                    symbolStrokeColor="#333",
                    symbolStrokeWidth=2,
                ),
            ),
            detail="origin:N",
        )
        # the points are a layer of their own: drawn on the lines, they would hide the
        # dash in the legend
        points = base.mark_point(filled=True, size=30).encode(detail="origin:N")
        return alt.layer(lines, points).properties(width=_WIDTH, height=_HEIGHT)
    # labels wrapped at word boundaries ("|" starts a line): long product and firm names
    # never overprint each other
    data["item"] = [" |".join(textwrap.wrap(str(x), _LABEL_CHARS)) or str(x) for x in data["x"]]
    order = list(dict.fromkeys(data["item"]))
    base = alt.Chart(data).properties(width=_WIDTH, height=_HEIGHT)
    return base.mark_bar().encode(
        x=alt.X(
            "item:N",
            title=None,
            sort=order,
            axis=alt.Axis(labelAngle=0, labelExpr="split(datum.label, '|')", labelLimit=0),
        ),
        xOffset=alt.XOffset("series:N", sort=list(dict.fromkeys(data["series"]))),
        y=alt.Y("value:Q", title=y_title),
        color=alt.Color(
            "series:N",
            title="series",
            legend=alt.Legend(orient="bottom", labelLimit=0, columns=_columns(data)),
        ),
        tooltip=tooltip,
    )


def _columns(data: pd.DataFrame) -> int:
    """Legend columns that fit a phone-wide chart: fewer as the series' names grow.

    >>> _columns(pd.DataFrame({"series": ["China", "Vietnam"]}))
    3
    >>> _columns(pd.DataFrame({"series": ["SITC 76 telecommunications equipment"]}))
    1
    """
    longest = max((len(str(s)) for s in data["series"]), default=0)
    return 1 if longest > 26 else 2 if longest > 14 else 3


def _part_class(part: str, status: str) -> str:
    bad = {"inconsistent", "different", "mixed", "fails", "outside_range"}
    warn = {"within_rounding", "revised_since", "no_reference", "not_computed"}
    if status in bad:
        return "part-bad"
    if status in warn:
        return "part-warn"
    return "part-ok" if status not in {"n/a", ""} else ""


def _status(text: str) -> tuple[str, str]:
    head, sep, rest = str(text).partition(": ")
    return (head, rest) if sep else (str(text), "")


def _parts_cell(row: Any) -> str:
    items = []
    for p in _PARTS:
        status, detail = _status(getattr(row, p))
        if status == "n/a":
            continue
        css, shown = _part_class(p, status), status.replace("_", " ")
        if p == "window" and status == "holds" and "fails for" in detail:
            css, shown = "part-warn", "holds here, not on other windows"
        items.append(
            f'<li>{escape(_PART_TITLES[p])}: <span class="part {css}">{escape(shown)}</span></li>'
        )
    return f'<ul class="parts">{"".join(items)}</ul>'


def _details(row: Any) -> str:
    fields = [
        ("The article says", row.quote),
        ("Inputs", row.inputs),
        ("Recomputed", row.recomputed),
        ("Stated", row.stated),
    ]
    for p in _PARTS:
        status, detail = _status(getattr(row, p))
        if status != "n/a":
            fields.append(
                (
                    _PART_TITLES[p].capitalize(),
                    f"{status.replace('_', ' ')}: {detail}" if detail else status,
                )
            )
    fields += [("Against real data", row.data_check), ("The numbers as printed", row.facts_check)]
    if row.note:
        fields.append(("Notes", row.note))
    body = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in fields if str(v))
    return f"<details><summary>sentence, inputs and notes</summary><dl>{body}</dl></details>"


def ledger_table(ledger: pd.DataFrame) -> str:
    """The ledger as an HTML table whose rows carry ``data-verdict``, with a verdict
    filter whose options keep their counts."""
    counts = Counter(ledger["verdict"])
    options = [f'<option value="all">every verdict ({len(ledger)})</option>'] + [
        f'<option value="{escape(v)}">{escape(v.replace("_", " "))} ({counts[v]})</option>'
        for v in VERDICT_TEXT
        if counts.get(v)
    ]
    head = "".join(f"<th>{h}</th>" for h in ("claim", "verdict", "parts", "against real data"))
    body = []
    for row in ledger.itertuples(index=False):
        data_status, data_text = _status(row.data_check)
        data_cell = (
            badge(data_status) + f' <span class="note">{escape(data_text[:160])}</span>'
            if data_status in VERDICT_COLOURS
            else f'<span class="note">{escape(row.data_check[:160])}</span>'
        )
        cells = (
            f"<td><code>{escape(row.claim_id)}</code><br>{escape(row.claim)}{_details(row)}</td>"
            f"<td>{badge(row.verdict)}</td><td>{_parts_cell(row)}</td><td>{data_cell}</td>"
        )
        attrs = f'data-verdict="{escape(row.verdict)}" id="claim-{escape(row.claim_id)}"'
        body.append(f"<tr {attrs}>{cells}</tr>")
    return (
        '<div class="filter"><label for="verdict-filter">Show </label>'
        + f'<select id="verdict-filter">{"".join(options)}</select> '
        + '<span id="verdict-count" class="note"></span></div>'
        + f'<table id="ledger"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
        + f"<script>{_FILTER_JS}</script>"
    )


def _facts_table(facts: pd.DataFrame) -> str:
    rows = []
    for f in facts.itertuples(index=False):
        reading = f.reading or f.raw_status.replace("_", " ")
        qualifier = f" ({f.qualifier})" if f.qualifier else ""
        plaus = f.plausibility if f.plausibility != "unchecked" else ""
        rows.append(
            f"<tr><td><code>{escape(f.fact_id)}</code><details><summary>sentence</summary>"
            f"<dd>{escape(f.quote)}</dd></details></td>"
            f"<td>{escape(getattr(f, 'value_text', f'{f.value} {f.unit}'))}{escape(qualifier)}</td>"
            f"<td>{escape(f.text)}</td><td>{escape(plaus)}</td><td>{escape(reading)}</td></tr>"
        )
    head = "".join(
        f"<th>{h}</th>" for h in ("fact", "value read", "as printed", "size check", "reading")
    )
    return (
        paragraph(
            "Every number the article quotes, as the facts file reads it: the value in base "
            "units with its scale fixed, the phrase as printed (machine translations render 亿 "
            "as 'billion' and 万 as 'ten thousand'), whether it fits the entity's size, and "
            "the sentence it comes from.",
            css_class="note",
        )
        + '<div class="table-wrap">'
        + f'<table id="facts"><caption>{len(facts)} facts</caption><thead><tr>{head}</tr></thead>'
        + f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _summary(result: StudyResult) -> str:
    counts = Counter(result.ledger["verdict"])
    data_counts = Counter(c.data_verdict for c in result.claims if c.data_verdict)
    rows = "".join(
        f"<tr><td>{badge(v)}</td><td class='num'>{counts.get(v, 0)}</td>"
        + (f"<td class='num'>{data_counts.get(v, 0)}</td>" if result.data_files else "")
        + f"<td>{escape(VERDICT_TEXT[v])}</td></tr>"
        for v in VERDICT_TEXT
        if counts.get(v) or data_counts.get(v)
    )
    data_head = "<th>against real data</th>" if result.data_files else ""
    data_note = (
        f"Checked against {len(result.data_files)} real data files: "
        + escape(
            "; ".join(
                name if n == 1 else f"{name} ({n} files of that name)"
                for name, n in Counter(Path(f).name for f in result.data_files).items()
            )
        )
        if result.data_files
        else "No real data files were given. Pass WDI and Comtrade files "
        "(<code>econscope economies study vietnam-china --data FOLDER</code>) to check each "
        "claim against the current release."
    )
    return (
        paragraph(
            f"{len(result.ledger)} quantitative claims, each recomputed from the numbers the "
            "article prints (units, scales and currencies fixed; each printed number carries "
            "the interval its digits allow) and judged in five parts: arithmetic, concept, "
            "vintage, window and exchange rate."
        )
        + f"<table><thead><tr><th>verdict</th><th>claims</th>{data_head}<th>meaning</th></tr>"
        + f"</thead><tbody>{rows}</tbody></table>"
        + paragraph(_RULE, css_class="note")
        + f'<p class="note">{data_note}</p>'
    )


def render_study_report(result: StudyResult) -> tuple[Path, tuple[Path, ...]]:
    """Write ``report.html`` and ``figures/<chart>.png|svg`` into the result's folder.

    Returns the page's path and the figure files.
    """
    out = Path(result.out_dir)
    figures_dir = out / "figures"
    figures_dir.mkdir(parents=True, exist_ok=True)
    specs: dict[str, dict[str, Any]] = {}
    figures: list[Path] = []
    chart_sections: list[Section] = []
    for ch in result.chart_specs:
        rows = result.charts[result.charts["chart"] == ch.id]
        if rows.empty:
            continue
        chart = study_chart(ch.kind, rows, ch.y_title)
        # on the page as wide as its container (desktop or phone); the files at _WIDTH
        specs[ch.id] = chart.properties(
            width="container", autosize=alt.AutoSizeParams(type="fit-x", contains="padding")
        ).to_dict()
        # the page's section heading is the chart's title; the file for papers carries it
        figures.extend(write_static(chart.properties(title=ch.title), figures_dir, ch.id))
        body = chart_container(ch.id, ch.caption or None)
        sources = sorted(set(rows["source"].astype(str)))
        body += paragraph("Sources: " + "; ".join(sources), css_class="note")
        chart_sections.append(Section(f"figure-{ch.id}", ch.title, body))
    sections = [
        Section("summary", "Verdicts", _CSS + _summary(result)),
        *chart_sections,
        Section("ledger", "Claims ledger", ledger_table(result.ledger)),
        Section("facts", "The article's numbers", _facts_table(result.facts)),
    ]
    page = build_page(result.title or result.name, sections, specs, lead=result.document or None)
    path = _write_page(page, out / "report.html")
    return path, tuple(figures)
