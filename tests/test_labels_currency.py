"""A bank in euros over 2015-2017: every money label follows ``money.currency`` and
``prices.*``, and every calendar-dependent result setting follows the data's period.

One simulated bank (120 firms, 2015-01 to 2017-12, k = 5 so that cells are published)
run with ``money.currency=EUR`` and ``prices.base_year=2015``. Nothing the run publishes
or prints may say "$" or "dollar": not the report's text or the chart data it embeds,
not a header of a result table, not the terminal. The defaults of the period settings
(fig03's base month 2020-01, fig05's years 2019 and 2022, Table A1's year 2022) lie
outside 2015-2017, so each falls back to the data's own period with a note; the findings
window (2010-01 to 2019-12) overlaps it and is clipped to it.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from econscope import pipeline, smallbiz
from econscope.cli import main
from econscope.config import load_settings

OVERRIDES = ["money.currency=EUR", "prices.base_year=2015", "disclosure.k=5"]
SETTINGS = load_settings(overrides=OVERRIDES)
# a bank this small may separate an industry in the logit and withholds small model
# samples: econscope says so in its own warning class; every other warning stays an error
pytestmark = pytest.mark.filterwarnings("ignore::econscope.errors.EconscopeWarning")
DOLLAR = re.compile(r"\$|dollar", re.I)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> pipeline.RunResult:
    data = tmp_path_factory.mktemp("eur-bank")
    smallbiz.simulate(data, firms=120, start="2015-01", end="2017-12", seed=7, progress=False)
    return pipeline.run(data, tmp_path_factory.mktemp("eur-run"), SETTINGS)


def _visible_text(html: str) -> str:
    """The page's words: text outside tags, scripts and styles, plus every string value
    of the chart data embedded as JSON (labels, tooltips), but no JavaScript code and no
    JSON key (Vega-Lite's "$schema" key is not text)."""
    strings: list[str] = []

    def values(node: object) -> None:
        if isinstance(node, dict):
            for value in node.values():
                values(value)
        elif isinstance(node, list):
            for value in node:
                values(value)
        elif isinstance(node, str) and not node.startswith("https://vega.github.io/schema"):
            strings.append(node)

    for body in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', html, re.S):
        values(json.loads(body))
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return " ".join([text, *strings])


def test_the_report_of_a_euro_bank_never_says_dollar(run: pipeline.RunResult) -> None:
    html = run.report_path.read_text()
    assert '<script type="application/json"' in html  # the chart data are checked too
    text = _visible_text(html)
    assert "2015 euros" in text and "EUR thousands" in text
    assert not DOLLAR.findall(text), [m.group(0) for m in re.finditer(r".{40}\$.{40}", text)]


def test_the_size_classes_name_the_threshold_in_euros(run: pipeline.RunResult) -> None:
    text = _visible_text(run.report_path.read_text())
    # size.large_revenue_threshold = 100,000 in money.currency (the default threshold)
    assert "Revenue above 100,000 EUR" in text and "Revenue up to 100,000 EUR" in text


def test_no_result_table_header_says_dollar(run: pipeline.RunResult) -> None:
    for path in sorted((run.out_dir / "results").glob("*.csv")):
        header = path.read_text().splitlines()[0]
        assert not DOLLAR.search(header), path.name


def test_the_terminal_never_says_dollar(
    run: pipeline.RunResult, capsys: pytest.CaptureFixture[str]
) -> None:
    sets = [a for o in OVERRIDES for a in ("-s", o)]
    out = run.out_dir  # same panel and settings: analyze reuses its results and prints them
    argv = ["smallbiz", "analyze", str(out / "panel"), "--out", str(out / "results")]
    assert main([*argv, *sets]) == 0
    printed = capsys.readouterr().out
    assert "EUR thousands" in printed  # the regression table's money terms
    summary = str(run.summary())
    assert "EUR thousands" in summary
    assert not DOLLAR.search(printed) and not DOLLAR.search(summary)


def test_money_targets_of_the_published_report_are_not_compared(run: pipeline.RunResult) -> None:
    fidelity = pd.read_csv(run.out_dir / "results" / "fidelity.csv")
    money = fidelity[(fidelity.unit == "dollars") | (fidelity.figure == "fig09")]
    assert len(money) >= 4  # fig02's two balances, tabA1's revenue, fig09's two ranges
    assert money.within.isna().all()
    assert (money.note == "not comparable: other currency (this run: EUR)").all()
    text = _visible_text(run.report_path.read_text())
    assert "not comparable: other currency (this run: EUR)" in text


def test_every_period_setting_falls_back_to_the_data(run: pipeline.RunResult) -> None:
    notes = pd.read_csv(run.out_dir / "results" / "notes.csv", dtype=str).set_index("setting")
    # the data's first month with an ADB is 2015-01, its years 2015..2017
    assert notes.loc["results.index_base_month", "value"] == "2015-01"
    assert notes.loc["results.industry_years", "value"] == "[2015, 2017]"
    assert notes.loc["results.tabA1_revenue_year", "value"] == "2017"
    # the findings window (2010-01..2019-12) overlaps the data: it is clipped, not moved
    assert "results.findings_window" not in notes.index
    for table_id in ("fig03", "fig05", "fig10", "fig11", "tabA1"):
        published = run.tables[table_id]
        assert published["value"].notna().any(), table_id
    # fig12 reads the data's months too; on this 120-firm bank its "<= 15 days" group has
    # fewer than k transactors every month, and fig11's totals would give it back from the
    # other group, so both groups are hidden (secondary.siblings_together)
    months = pd.to_datetime(run.tables["fig12"]["month"])
    assert len(months) and months.dt.year.between(2015, 2017).all()


def test_the_findings_under_fig10_to_fig12_read_the_datas_own_period(
    run: pipeline.RunResult,
) -> None:
    html = run.report_path.read_text()
    for table_id in ("fig10", "fig11"):  # fig12 is hidden on this bank (see above)
        section = re.search(rf'<section id="{table_id}".*?</section>', html, re.S)
        assert section, table_id
        sentence = re.search(r'<p class="finding[^"]*">(.*?)</p>', section.group(0), re.S)
        assert sentence, table_id
        # the window clipped to the months published (e.g. "From July 2015 to ...")
        assert re.match(r"From \w+ 201[5-7] to \w+ 201[5-7], ", sentence.group(1)), sentence
    # the notes on this run say which settings moved and how to choose them
    notes = re.search(r'<section id="notes".*?</section>', html, re.S)
    assert notes and "<code>results.industry_years</code>" in notes.group(0)


def test_targets_outside_the_period_say_so(run: pipeline.RunResult) -> None:
    fidelity = pd.read_csv(run.out_dir / "results" / "fidelity.csv").set_index("id")
    # fig06's 2020 shares and fig11's 2021 days: the data end in 2017-12
    for target in ("never_2020", "revolver_days_2021", "rising_from_july_2021"):
        assert pd.isna(fidelity.loc[target, "within"])
        assert fidelity.loc[target, "note"].startswith("outside this run's period"), target
    # a window that overlaps the data is read on the months it has (2012-2019 -> 2015-2017)
    assert fidelity.loc["share_2012_2019", "within"] in (True, False)
