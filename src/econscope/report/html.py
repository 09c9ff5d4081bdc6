"""A self-contained HTML page: sections, tables and Vega-Lite charts, with no network at all.

The page inlines everything it needs: the CSS, the Vega, Vega-Lite and vega-embed
libraries (vl-convert's JavaScript bundle) and every chart's specification with its data.
A Content-Security-Policy forbids every request (``default-src 'none'``), so a page that
renders offline cannot quietly depend on a server. Script errors, rejected promises,
blocked requests and ``console.error``/``console.warn`` calls are written into the page
(``#error-log`` and ``#warning-log``), and each chart container gets
``data-rendered="true"`` once drawn, so a headless browser can check the page from its
DOM alone.

>>> page = build_page("Demo", [Section("intro", "Intro", paragraph("Hello <world>"))], {})
>>> "<p>Hello &lt;world&gt;</p>" in page, "<script src" in page
(True, False)
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from econscope.engine import atomic_path

__all__ = [
    "CSP",
    "SUPPRESSED",
    "Code",
    "Section",
    "build_page",
    "chart_container",
    "content_security_policy",
    "escape",
    "figure",
    "javascript_bundle",
    "paragraph",
    "table",
    "write_page",
]

#: The text a suppressed table cell shows.
SUPPRESSED = "suppressed"

#: No request of any kind. Scripts run only when their SHA-256 hash is listed in the page's
#: policy (no 'unsafe-inline': an injected script does not run); Vega compiles expressions
#: with ``Function``, hence 'unsafe-eval'. ``{scripts}`` is filled by
#: :func:`content_security_policy`.
CSP = (
    "default-src 'none'; script-src {scripts} 'unsafe-eval'; "
    "style-src 'unsafe-inline'; img-src data: blob:; font-src data:; connect-src 'none'"
)
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def content_security_policy(markup: str) -> str:
    """The page's policy: :data:`CSP` allowing exactly the inline scripts of ``markup``.

    >>> policy = content_security_policy("<script>alert(1)</script>")
    >>> "'sha256-" in policy, "unsafe-inline" in policy.split("style-src")[0]
    (True, False)
    """
    hashes = sorted(
        {
            "'sha256-" + base64.b64encode(hashlib.sha256(m.encode()).digest()).decode() + "'"
            for m in _INLINE_SCRIPT.findall(markup)
        }
    )
    return CSP.format(scripts=" ".join(hashes) or "'none'")


_CSS = """
:root { --ink: #1d2733; --muted: #5b6776; --line: #d9dee5; --accent: #24577a;
        --suppressed: #b03a2e; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); margin: 0; background: #fafbfc; }
header, main { max-width: 1280px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 28px; padding-bottom: 8px; border-bottom: 3px solid var(--accent); }
h1 { font-size: 1.7em; margin: 0 0 4px; }
h2 { font-size: 1.25em; margin: 36px 0 8px; color: var(--accent); }
h3 { font-size: 1.05em; margin: 22px 0 6px; }
p.lead { color: var(--muted); margin: 0 0 10px; }
nav ol { columns: 2; column-gap: 48px; font-size: 0.92em; padding-left: 22px; }
nav li { break-inside: avoid; }
nav a, a { color: var(--accent); }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px;
          padding: 6px 20px 18px; margin: 18px 0; }
.chart { min-height: 60px; margin: 10px 0 2px; width: 100%; min-width: 0; }
.chart > .vega-embed { width: 100%; display: block; }
.panels { display: grid; gap: 12px 28px;
          grid-template-columns: repeat(auto-fit, minmax(min(100%, 440px), 1fr)); }
figure { margin: 8px 0; }
p.finding { font-size: 1.02em; margin: 8px 0 4px; }
.table-wrap { overflow-x: auto; max-width: 100%; }
table.regression td, table.regression th[scope=row] { border-bottom: none; }
table.regression tr.se td, table.regression tr.se th { color: var(--muted);
  border-bottom: 1px solid var(--line); }
table.regression tr.fit td, table.regression tr.fit th { background: #f7f9fb;
  border-bottom: 1px solid var(--line); }
table.regression th[scope=row] { background: none; font-weight: normal; }
.note, figcaption { color: var(--muted); font-size: 0.88em; }
table { border-collapse: collapse; margin: 8px 0 4px; font-size: 0.9em; }
caption { text-align: left; color: var(--muted); padding-bottom: 4px; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 10px; text-align: left;
         vertical-align: top; }
th { background: #f1f4f7; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.suppressed { color: var(--suppressed); font-style: italic; }
td.suppressed.num { text-align: right; }
td code { white-space: nowrap; }
td code.long { white-space: normal; overflow-wrap: anywhere; }
.na { color: var(--muted); font-style: italic; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.86em;
              overflow-wrap: anywhere; }
@media (max-width: 640px) { nav ol { columns: 1; } header, main { padding: 0 12px; }
  section { padding: 4px 12px 14px; } }
details > summary { cursor: pointer; color: var(--accent); margin: 8px 0; }
#diagnostics[hidden] { display: none; }
#diagnostics { border-color: var(--suppressed); }
"""

# Runs before any other script: everything that goes wrong ends up in the page.
_CAPTURE_JS = """
(function () {
  function add(listId, text) {
    var list = document.getElementById(listId);
    if (!list) { return; }
    var item = document.createElement("li");
    item.textContent = String(text);
    list.appendChild(item);
    document.getElementById("diagnostics").hidden = false;
    document.body.setAttribute("data-" + listId, String(list.children.length));
  }
  function join(args) {
    return Array.prototype.map.call(args, function (a) {
      return (a && a.stack) ? a.stack : String(a);
    }).join(" ");
  }
  window.econscopeError = function (text) { add("error-log", text); };
  window.addEventListener("error", function (e) {
    add("error-log", "error: " + (e.message || e.type) +
        (e.filename ? " (" + e.filename + ":" + e.lineno + ")" : ""));
  });
  window.addEventListener("unhandledrejection", function (e) {
    add("error-log", "unhandled rejection: " + join([e.reason]));
  });
  document.addEventListener("securitypolicyviolation", function (e) {
    add("error-log", "blocked request: " + e.blockedURI + " (" + e.violatedDirective + ")");
  });
  var error = console.error, warn = console.warn;
  console.error = function () { add("error-log", "console.error: " + join(arguments));
                                return error.apply(console, arguments); };
  console.warn = function () { add("warning-log", "console.warn: " + join(arguments));
                               return warn.apply(console, arguments); };
})();
"""

_RENDER_JS = """
(function () {
  var specs = JSON.parse(document.getElementById("chart-specs").textContent);
  var options = {renderer: "svg", actions: {export: true, source: false, compiled: false,
                 editor: false}};
  var jobs = Object.keys(specs).map(function (id) {
    var el = document.getElementById("chart-" + id);
    return vegaEmbed(el, specs[id], options).then(function () {
      el.setAttribute("data-rendered", "true");
    }).catch(function (err) {
      el.setAttribute("data-rendered", "failed");
      window.econscopeError("chart " + id + ": " + ((err && err.stack) || err));
    });
  });
  Promise.all(jobs).then(function () {
    document.body.setAttribute("data-charts-done", String(jobs.length));
  });
})();
"""


@dataclass(frozen=True)
class Section:
    """One section of the page: an anchor id, a heading and a trusted HTML body.

    Build ``body`` with :func:`paragraph`, :func:`table` and :func:`chart_container`, which
    escape every piece of text they are given.
    """

    id: str
    title: str
    body: str


def escape(text: object) -> str:
    """HTML-escape any value's text.

    >>> escape('<a href="x">')
    '&lt;a href=&quot;x&quot;&gt;'
    """
    return html.escape(str(text), quote=True)


def paragraph(text: str, *, css_class: str | None = None) -> str:
    """An escaped paragraph.

    >>> paragraph("a < b", css_class="note")
    '<p class="note">a &lt; b</p>'
    """
    cls = f' class="{escape(css_class)}"' if css_class else ""
    return f"<p{cls}>{escape(text)}</p>"


_NUMBER = re.compile(r"^\(?[-+−]?[\d,]*\.?\d+(?:e[-+]?\d+)?\)?\**%?$", re.I)


def _is_number(value: object) -> bool:
    return not isinstance(value, str) or bool(_NUMBER.match(value))


class Code(str):
    """Text a reader may need to type (a setting, a file, a reason code): shown as ``<code>``.

    >>> table(["setting"], [[Code("disclosure.k")]]).count("<code>disclosure.k</code>")
    1
    """


def _cell(value: object, tooltip_suppressed: str, numeric: bool) -> str:
    if isinstance(value, Code):
        long = ' class="long"' if len(value) > 24 else ""
        return f"<td><code{long}>{escape(value)}</code></td>"
    if value is None or (isinstance(value, float) and value != value):
        return '<td class="na">n/a</td>'
    if value == SUPPRESSED:
        cls = "suppressed num" if numeric else "suppressed"
        return f'<td class="{cls}" title="{escape(tooltip_suppressed)}">{SUPPRESSED}</td>'
    if numeric and _is_number(value):
        return f'<td class="num">{escape(value)}</td>'
    return f"<td>{escape(value)}</td>"


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    caption: str | None = None,
    suppressed_note: str = "suppressed by disclosure control",
) -> str:
    """An HTML table of already formatted cells.

    A column whose cells are all numbers (or formatted numbers such as ``1,234``,
    ``-0.0123**`` or ``(0.004)``) is right-aligned; None shows as ``n/a``, and the string
    :data:`SUPPRESSED` is marked (its tooltip is ``suppressed_note``).

    >>> html = table(["a", "b"], [["x", SUPPRESSED]], suppressed_note="fewer than 10 firms")
    >>> html.split("</td>")[1]
    '<td class="suppressed num" title="fewer than 10 firms">suppressed'
    >>> table(["n"], [["1,234"], ["(0.004)"]]).count('class="num"')
    3
    """
    numeric = [
        all(_is_number(v) for row in rows if (v := row[i]) not in (None, "", SUPPRESSED))
        for i in range(len(header))
    ]
    head = "".join(
        f'<th class="num">{escape(h)}</th>' if n else f"<th>{escape(h)}</th>"
        for h, n in zip(header, numeric, strict=True)
    )
    body = "".join(
        "<tr>"
        + "".join(_cell(v, suppressed_note, n) for v, n in zip(row, numeric, strict=True))
        + "</tr>"
        for row in rows
    )
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return (
        f'<div class="table-wrap"><table>{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def chart_container(chart_id: str, caption: str | None = None) -> str:
    """The element a chart of :func:`build_page`'s ``charts[chart_id]`` is drawn into.

    >>> chart_container("fig02")
    '<figure><div class="chart" id="chart-fig02" data-chart="fig02"></div></figure>'
    """
    cid = escape(chart_id)
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f'<figure><div class="chart" id="chart-{cid}" data-chart="{cid}"></div>{cap}</figure>'


def figure(chart_ids: Sequence[str], caption_html: str = "") -> str:
    """A figure of one or more chart panels side by side (wrapping on narrow screens).

    ``caption_html`` is trusted HTML (build it with :func:`escape`).

    >>> figure(["fig02-a", "fig02-b"]).count('class="chart"')
    2
    """
    divs = "".join(
        f'<div class="chart" id="chart-{escape(c)}" data-chart="{escape(c)}"></div>'
        for c in chart_ids
    )
    cap = f"<figcaption>{caption_html}</figcaption>" if caption_html else ""
    return f'<figure><div class="panels">{divs}</div>{cap}</figure>'


_BUNDLE: list[str] = []
_BUNDLE_LOCK = threading.Lock()


def javascript_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one classic script (from vl-convert, offline).

    Built once per process (a second or two); thread-safe, so it can be built in the
    background while charts are drawn.
    """
    with _BUNDLE_LOCK:
        if not _BUNDLE:
            import vl_convert

            bundle = vl_convert.javascript_bundle()
            if "</script" in bundle.lower():  # would end the inline script early
                raise RuntimeError("vl-convert's JavaScript bundle contains '</script'")
            _BUNDLE.append(bundle)
        return _BUNDLE[0]


def _script_json(data: Any) -> str:
    """JSON that is safe inside a <script> element (no '<' can close it)."""
    text = json.dumps(data, separators=(",", ":"), allow_nan=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def build_page(
    title: str,
    sections: Sequence[Section],
    charts: Mapping[str, Mapping[str, Any]],
    *,
    lead: str | None = None,
) -> str:
    """The whole page as one string: header, table of contents, sections, charts.

    ``charts`` maps a chart id to its Vega-Lite specification (``chart.to_dict()``); each
    id needs a :func:`chart_container` in some section. The Vega libraries are inlined only
    when there is a chart to draw.
    """
    toc = "".join(f'<li><a href="#{escape(s.id)}">{escape(s.title)}</a></li>' for s in sections)
    body = "\n".join(
        f'<section id="{escape(s.id)}"><h2>{escape(s.title)}</h2>\n{s.body}\n</section>'
        for s in sections
    )
    scripts = ""
    if charts:
        scripts = (
            f"<script>{javascript_bundle()}</script>\n"
            f'<script type="application/json" id="chart-specs">{_script_json(dict(charts))}'
            f"</script>\n<script>{_RENDER_JS}</script>"
        )
    lead_html = f'<p class="lead">{escape(lead)}</p>' if lead else ""
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{csp}}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{escape(title)}</title>
<style>{_CSS}</style>
<script>{_CAPTURE_JS}</script>
</head>
<body>
<header><h1>{escape(title)}</h1>{lead_html}<nav><ol>{toc}</ol></nav></header>
<main>
<section id="diagnostics" hidden><h2>Problems while rendering this page</h2>
<ul id="error-log"></ul><ul id="warning-log"></ul></section>
{body}
</main>
{scripts}
</body>
</html>
"""
    return page.replace("{csp}", content_security_policy(page), 1)


def write_page(page: str, path: str | Path) -> Path:
    """Write the page atomically (UTF-8) and return its path."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return path
