"""The HTML page builder: self-contained, escaped, and with no request to any server."""

from __future__ import annotations

import re

from econscope.report.html import (
    CSP,
    SUPPRESSED,
    Section,
    build_page,
    chart_container,
    content_security_policy,
    paragraph,
    table,
)

BAR = {
    "data": {"values": [{"x": "a </script><script>alert(1)</script>", "y": 1}]},
    "mark": "bar",
    "encoding": {
        "x": {"field": "x", "type": "nominal"},
        "y": {"field": "y", "type": "quantitative"},
    },
}


def _page() -> str:
    return build_page("T", [Section("s", "S", chart_container("c1"))], {"c1": BAR})


def test_the_page_loads_nothing_from_anywhere() -> None:
    # markup outside the inline scripts (the Vega bundle's code holds such strings in JS)
    page = re.sub(r"(<script[^>]*>).*?</script>", r"\1</script>", _page(), flags=re.S)
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.I)
    assert not re.search(r"<link\b", page, re.I)
    assert not re.search(r"<(img|iframe|source|video|audio)\b[^>]*\bsrc\s*=", page, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?https?:", page, re.I)
    # and the browser is told to refuse any request the bundle might try
    assert f'content="{content_security_policy(_page())}"' in page
    assert "default-src 'none'" in CSP and "connect-src 'none'" in CSP


def test_only_the_pages_own_scripts_may_run() -> None:
    # CSP level 2: a script runs only if its SHA-256 is listed; no 'unsafe-inline', so a
    # script injected into the page (e.g. through a hostile industry name) would not run.
    page = _page()
    policy = re.search(r'Content-Security-Policy" content="([^"]*)"', page).group(1)
    script_src = policy.split("script-src")[1].split(";")[0]
    assert "unsafe-inline" not in script_src
    assert script_src.count("'sha256-") == 3  # capture, bundle, render (JSON is not run)


def test_the_vega_libraries_are_inlined_once_per_page() -> None:
    page = _page()
    assert page.count("window.vegaEmbed=") == 1
    assert page.count("<script") == 4  # capture, bundle, chart specs, render


def test_chart_data_cannot_close_the_script_it_lives_in() -> None:
    page = _page()
    specs = page.split('id="chart-specs">', 1)[1].split("</script>", 1)[0]
    assert "<" not in specs and "\\u003c/script\\u003e" in specs


def test_a_page_without_charts_has_no_javascript_libraries() -> None:
    page = build_page("T", [Section("s", "S", paragraph("x"))], {})
    assert "vegaEmbed" not in page and len(page) < 20_000


def test_text_is_escaped_and_suppressed_cells_are_marked() -> None:
    html = table(["<b>", "n"], [["a&b", SUPPRESSED], ["c", None], ["d", "1,234"]])
    assert "<th>&lt;b&gt;</th>" in html and "<td>a&amp;b</td>" in html
    assert '<th class="num">n</th>' in html and '<td class="num">1,234</td>' in html
    assert (
        '<td class="suppressed num" title="suppressed by disclosure control">suppressed</td>'
        in html
    )  # right-aligned like the numbers of its column
    assert '<td class="na">n/a</td>' in html


def test_errors_and_blocked_requests_are_written_into_the_page() -> None:
    page = _page()
    head = page.split("</head>", 1)[0]  # the capture runs before any other script
    for hook in ("error", "unhandledrejection", "securitypolicyviolation", "console.error"):
        assert hook in head
    assert '<ul id="error-log"></ul>' in page
