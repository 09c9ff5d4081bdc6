"""The dominance rule for money totals and the median rule for money medians (issue 13,
item 1; docs/disclosure.md, rules 1b and 1c)."""

from __future__ import annotations

from pathlib import Path

import ibis
import pandas as pd
import pytest

from econscope.config import Settings, load_settings
from econscope.disclosure import dominance, suppress_medians
from econscope.errors import ConfigError
from econscope.smallbiz.analysis import analyze, money_medians
from econscope.smallbiz.tables import DOLLARS, TABLES
from test_analyze import panel_rows, write_panel

pytestmark = pytest.mark.filterwarnings("ignore::econscope.errors.EconscopeWarning")


def _cells(rows: dict[str, list], share: float = 0.5) -> dict[str, tuple[float, bool]]:
    out = dominance(ibis.memtable(rows), ["cell"], share=share).to_pandas()
    return {r.cell: (round(r.largest_share, 12), bool(r.dominated)) for r in out.itertuples()}


def test_one_firm_that_is_most_of_a_total_dominates_it() -> None:
    # cell a: f1 90 of 100 (0.9 > 0.5); cell b: 4 firms of 25 each (0.25)
    got = _cells(
        {
            "cell": ["a", "a", "a", "b", "b", "b", "b"],
            "firm_id": ["f1", "f2", "f3", "g1", "g2", "g3", "g4"],
            "value": [90.0, 6.0, 4.0, 25.0, 25.0, 25.0, 25.0],
        }
    )
    assert got == {"a": (0.9, True), "b": (0.25, False)}


def test_a_firm_is_judged_on_the_sum_of_its_rows() -> None:
    # f1 has three rows of 20 (60 of 100 = 0.6) though no single row is above 0.4
    got = _cells({"cell": ["a"] * 5, "firm_id": ["f1"] * 3 + ["f2", "f3"],
                  "value": [20.0, 20.0, 20.0, 30.0, 10.0]})  # fmt: skip
    assert got == {"a": (0.6, True)}


def test_exactly_the_share_is_not_more_than_the_share() -> None:
    # two firms of 50: the largest is 0.5 of the total, not more than 0.5
    assert _cells({"cell": ["a", "a"], "firm_id": ["f1", "f2"], "value": [50.0, 50.0]}) == {
        "a": (0.5, False)
    }


def test_negative_amounts_count_by_size() -> None:
    # net cash flows: -80 and +10, +10: |-80| is 0.8 of 100
    got = _cells({"cell": ["a"] * 3, "firm_id": ["f1", "f2", "f3"], "value": [-80.0, 10.0, 10.0]})
    assert got == {"a": (0.8, True)}


def test_a_zero_total_is_not_dominated_and_share_one_turns_the_rule_off() -> None:
    rows = {"cell": ["a", "a", "b"], "firm_id": ["f1", "f2", "f3"], "value": [0.0, 0.0, 7.0]}
    assert _cells(rows) == {"a": (0.0, False), "b": (1.0, True)}
    assert _cells(rows, share=1.0)["b"] == (1.0, False)
    with pytest.raises(ConfigError, match="dominance_share"):
        dominance(ibis.memtable(rows), ["cell"], share=0.0)


def test_the_sums_do_not_depend_on_row_order() -> None:
    # 0.1 + 0.2 + 0.3 in floats depends on the order; the rule sums DECIMAL(38, 6)
    values = [0.1, 0.2, 0.3, 1e9, 3e-6] * 40
    rows = {"cell": ["a"] * len(values), "firm_id": [f"f{i % 7}" for i in range(len(values))]}
    forward = dominance(ibis.memtable({**rows, "value": values}), ["cell"]).to_pandas()
    backward = dominance(ibis.memtable({**rows, "value": values[::-1]}), ["cell"])
    assert forward.equals(backward.to_pandas())


def test_a_small_money_median_is_hidden_and_its_share_stays() -> None:
    # 14 revolvers: enough for k = 10, not for the median rule's 20
    table = pd.DataFrame(
        {
            "month": ["2020-01", "2020-01", "2020-02", "2020-02"],
            "measure": ["share_revolving", "median_revolving_balance"] * 2,
            "value": [0.4, 812.5, 0.5, 900.0],
            "n_firms": [35, 14, 40, 20],
            "suppressed": False,
        }
    )
    out = suppress_medians(table, {"median_revolving_balance"}, 20)
    assert out["suppressed"].tolist() == [False, True, False, False]
    assert out["value"].isna().tolist() == [False, True, False, False]
    assert pd.isna(out.loc[1, "n_firms"])


def test_the_median_threshold_is_twice_k_unless_set_and_never_below_k() -> None:
    assert Settings().disclosure.median_threshold() == 20
    assert load_settings(overrides=["disclosure.k=3"]).disclosure.median_threshold() == 6
    s = load_settings(overrides=["disclosure.k=10", "disclosure.median_min_firms=4"])
    assert s.disclosure.median_threshold() == 10


def test_every_published_money_value_is_a_median_or_an_index_of_medians() -> None:
    # The dominance rule needs each firm's contribution; no table publishes a money total
    # or mean today, and money_medians refuses a table that would.
    for tid, spec in TABLES.items():
        money = {m for m, unit in spec.measures.items() if unit == DOLLARS}
        assert money <= money_medians(tid), tid
        assert all(m.startswith("median_") for m in money_medians(tid)), tid


@pytest.fixture(scope="module")
def panel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_panel(tmp_path_factory.mktemp("dominance") / "panel", panel_rows())


def _medians(out: Path, panel: Path, *overrides: str) -> dict[str, pd.DataFrame]:
    settings = load_settings(overrides=["disclosure.k=3", *overrides])
    result = analyze(panel, out, settings)
    return {tid: result[tid] for tid in ("fig02", "tabA1")}


def test_analyze_publishes_no_money_median_of_fewer_than_the_threshold(
    panel: Path, tmp_path: Path
) -> None:
    # test_analyze.panel_rows: 10 firms per industry (tabA1), 6 or 7 revolvers a month
    # (firms 0-19 revolve when (i + m) % 3 == 0), 30 firms with a known status.
    loose = _medians(tmp_path / "loose", panel, "disclosure.median_min_firms=3")
    strict = _medians(tmp_path / "strict", panel, "disclosure.median_min_firms=8")
    for tables, floor in ((loose, 3), (strict, 8)):
        for tid, table in tables.items():
            med = table[table["measure"].isin(money_medians(tid)) & ~table["suppressed"]]
            assert (med["n_firms"] >= floor).all(), tid
    f02 = strict["fig02"]
    balance = f02[f02["measure"] == "median_revolving_balance"]
    share = f02[f02["measure"] == "share_revolving"]
    assert loose["fig02"].query("measure == 'median_revolving_balance'")["value"].notna().all()
    assert balance["suppressed"].all()  # 6 or 7 revolvers < 8
    assert share["value"].notna().sum() >= 34  # the shares of 30 firms stay published
    # tabA1: 10 firms per industry >= 8, so revenue medians stay
    assert strict["tabA1"]["value"].notna().all()
