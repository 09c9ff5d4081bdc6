"""The economies report in a real browser: headless Chromium opens it from disk, offline.

From the DOM Chromium dumps after the page settles: every chart is drawn, the page's
error log is empty, the verdict filter counts the claims, no chart is wider than its
container and no ledger or facts cell overflows into its neighbour (a measuring script
appended to a copy of the page writes what it finds on ``<body>``). A screenshot is
saved to ``tests/artifacts/economies_report.png``. The page is the study checked against
``../shared/data`` when it is there, else the article's figures alone. Skipped without
Chromium.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest

from conftest import SHARED_DATA
from econscope.economies.study import run_study
from econscope.errors import EconscopeWarning
from econscope.report.economies import render_study_report

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).parent / "artifacts"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)
# After the charts are drawn: count charts wider than their container and table cells
# whose content is wider than the cell.
MEASURE = """<script>
setTimeout(function () {
  var wide = 0, cells = 0;
  document.querySelectorAll(".chart").forEach(function (c) {
    var svg = c.querySelector("svg, canvas");
    if (svg && svg.getBoundingClientRect().width > c.getBoundingClientRect().width + 1) { wide++; }
  });
  document.querySelectorAll("#ledger td, #facts td").forEach(function (td) {
    if (td.scrollWidth > td.clientWidth + 1) { cells++; }
  });
  document.body.setAttribute("data-too-wide", String(wide));
  document.body.setAttribute("data-cell-overflow", String(cells));
  document.body.setAttribute("data-height", String(document.body.scrollHeight));
}, 5000);
</script></body>"""


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        if path := shutil.which(name):
            return path
    pytest.skip("headless Chromium is not installed (Debian package `chromium`)")


@pytest.fixture(scope="module")
def browsed(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, int, int]:
    chromium = _chromium()
    tmp = tmp_path_factory.mktemp("economies-browser")
    # the richer page when the shared real data are there (TSI and WDI series drawn too)
    real = SHARED_DATA / "wdi", SHARED_DATA / "comtrade" / "shjain6670_IBE-Project---China"
    data = [p for p in real if p.is_dir()]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", ".*not used, no requested", EconscopeWarning)
        result = run_study("vietnam-china", tmp / "study", data)
    page, _ = render_study_report(result)
    probe = page.with_name("probe.html")
    head, _, tail = page.read_text(encoding="utf-8").rpartition("</body>")
    probe.write_text(head + MEASURE + tail, encoding="utf-8")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "economies_report.png"
    shot.unlink(missing_ok=True)
    args = [chromium, *FLAGS, f"--user-data-dir={tmp / 'profile'}", "--window-size=1400,3000"]
    subprocess.run(
        [*args, "--hide-scrollbars", f"--screenshot={shot}", "--virtual-time-budget=30000",
         page.resolve().as_uri()],
        capture_output=True, timeout=180, check=False, cwd=tmp,
    )  # fmt: skip
    dom = subprocess.run(
        [*args, "--virtual-time-budget=30000", "--dump-dom", probe.resolve().as_uri()],
        capture_output=True, text=True, timeout=180, check=True,
    ).stdout  # fmt: skip
    return dom, result.charts["chart"].nunique(), len(result.claims)


def test_every_chart_is_drawn_and_nothing_is_logged_as_an_error(browsed):
    dom, charts, _ = browsed
    assert dom.count('data-rendered="true"') == charts
    assert re.search(r'<ul id="error-log">\s*</ul>', dom)


def test_the_verdict_filter_counts_every_claim(browsed):
    dom, _, claims = browsed
    assert f"{claims} of {claims} claims shown" in dom


def test_no_chart_is_wider_than_its_container_and_no_cell_overflows(browsed):
    dom, charts, _ = browsed
    assert dom.count('data-rendered="true"') == charts  # the measure saw drawn charts
    assert 'data-too-wide="0"' in dom
    assert 'data-cell-overflow="0"' in dom


def test_the_page_stays_short_with_details_collapsed(browsed):
    # issue 18 measured ~37,000 px; sentences, inputs and notes now sit behind expanders
    dom, _, _ = browsed
    height = int(re.search(r'data-height="(\d+)"', dom).group(1))
    assert height < 20_000, height


def test_a_screenshot_of_the_report_is_saved(browsed):
    shot = ARTIFACTS / "economies_report.png"
    assert shot.is_file() and shot.stat().st_size > 10_000
