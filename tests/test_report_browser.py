"""The report in a real browser: headless Chromium opens it from disk, offline.

Checks from the DOM Chromium dumps after the page settles: every chart container holds a
rendered ``<svg>``, the page's error and warning logs are empty (script errors, rejected
promises, blocked requests and console errors/warnings are written there), and every
chart reported back. A screenshot is saved to ``tests/artifacts/report.png``. A negative
control proves the check can fail: a broken chart and a chart that asks a server for data
are both caught. Without Chromium (Debian package ``chromium``; ``make test`` installs it
when it can) the tests are skipped with the reason.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from econscope.report.html import Section, build_page, chart_container, write_page
from econscope.report.smallbiz import render_report
from econscope.smallbiz.tables import TABLES
from test_report_fixture import make_run

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).parent / "artifacts"
FIGURES = [tid for tid, spec in TABLES.items() if spec.chart != "table"]
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # no name resolves: the page must not need one
)
TIMEOUT_S = 120


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        if path := shutil.which(name):
            return path
    pytest.skip(
        "headless Chromium is not installed (Debian package `chromium`): `make test` "
        "installs it only as root with apt-get and network access to the Debian mirror; "
        "install it with `apt-get install chromium` to run the browser test"
    )


def _run(page: Path, profile: Path, *extra: str) -> str:
    result = subprocess.run(
        [_chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, page.resolve().as_uri()],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def _dump_dom(page: Path, profile: Path) -> str:
    return _run(page, profile, "--virtual-time-budget=30000", "--dump-dom")


def _charts(dom: str) -> dict[str, tuple[str, str]]:
    """chart id -> (attributes of its container, its content)."""
    found = re.findall(r'<div([^>]*\bid="chart-(\w+)"[^>]*)>(.*?)</figure>', dom, re.S)
    return {cid: (attrs, body) for attrs, cid, body in found}


def _log(dom: str, name: str) -> str:
    match = re.search(rf'<ul id="{name}">(.*?)</ul>', dom, re.S)
    assert match, f"#{name} missing from the page"
    return match.group(1)


@pytest.fixture(scope="module")
def browsed(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The DOM of the rendered fake run after Chromium settled, and its screenshot."""
    _chromium()
    tmp = tmp_path_factory.mktemp("browser")
    report = render_report(make_run(tmp / "run")).path
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    dom = _run(
        report,
        tmp / "profile",
        "--virtual-time-budget=30000",  # runs timers and promises until the page is idle
        "--dump-dom",
        "--window-size=1280,3200",
        "--hide-scrollbars",
        f"--screenshot={shot}",
    )
    return dom, shot


def test_every_chart_renders_offline_with_no_error(browsed: tuple[str, Path]) -> None:
    dom, _ = browsed
    charts = _charts(dom)
    assert sorted(charts) == FIGURES
    for cid, (attrs, body) in charts.items():
        assert 'data-rendered="true"' in attrs, f"{cid} did not render"
        assert "<svg" in body and "<path" in body, f"{cid} has no drawing"
    assert _log(dom, "error-log").strip() == ""
    assert _log(dom, "warning-log").strip() == ""
    assert f'data-charts-done="{len(FIGURES)}"' in dom


def test_a_screenshot_of_the_report_is_saved(browsed: tuple[str, Path]) -> None:
    _, shot = browsed
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000


def test_the_check_catches_a_broken_chart_and_a_request_to_a_server(tmp_path: Path) -> None:
    _chromium()
    broken = {"mark": "no_such_mark", "data": {"values": [{"a": 1}]}}
    remote = {
        "mark": "point",
        "data": {"url": "https://example.org/data.csv"},
        "encoding": {"x": {"field": "a", "type": "quantitative"}},
    }
    body = chart_container("broken") + chart_container("remote")
    page = write_page(
        build_page(
            "negative control", [Section("s", "S", body)], {"broken": broken, "remote": remote}
        ),
        tmp_path / "bad.html",
    )
    dom = _dump_dom(page, tmp_path / "profile")
    charts = _charts(dom)
    assert 'data-rendered="true"' not in charts["broken"][0]
    errors = _log(dom, "error-log")
    assert "chart broken" in errors
    assert "blocked request: https://example.org/data.csv" in errors
