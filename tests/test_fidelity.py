"""The comparison with the published report (econscope.smallbiz.results.fidelity).

A hand-built results folder holds, for every target, cells whose reading is known: each
expected number below is computed by hand from the cells written here.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from econscope.cli import main
from econscope.errors import StageError
from econscope.smallbiz.results import fidelity
from econscope.smallbiz.results.fidelity import compare, distance, targets, within
from econscope.smallbiz.tables import MODEL_COLUMNS, TABLES

MONTHS = [f"{y}-{m:02d}-01" for y in range(2010, 2023) for m in range(1, 13)]


def _share(month: str) -> float:
    ym = month[:7]
    if ym < "2012-01":
        return 0.40
    if ym < "2020-01":  # alternate 0.32 / 0.34 -> mean 0.33
        return 0.32 if int(ym[5:]) % 2 else 0.34
    if ym < "2020-04":
        return 0.33
    if ym < "2021-07":
        return 0.25
    return 0.27 if ym < "2022-07" else 0.28


def _balance(month: str) -> float | None:
    return {"2020-01": 7000.0, "2020-02": None, "2020-03": 9000.0}.get(
        month[:7], 7000.0 if month.startswith("2022") else 5000.0
    )


def _rows(dims: dict, measure: str, value: float | None) -> dict:
    return {**dims, "measure": measure, "value": value, "n_firms": 50, "suppressed": value is None}


def _write(folder: Path, table_id: str, rows: list[dict]) -> None:
    pd.DataFrame(rows, columns=list(TABLES[table_id].columns)).to_csv(
        folder / f"{table_id}.csv", index=False
    )


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("run")
    res = run / "results"
    res.mkdir()
    m = MONTHS
    _write(
        res,
        "fig02",
        [_rows({"month": x}, "share_revolving", _share(x)) for x in m]
        + [_rows({"month": x}, "median_revolving_balance", _balance(x)) for x in m],
    )
    index = [150.0 if x[:7] >= "2020-06" else 100.0 for x in m]
    _write(
        res,
        "fig03",
        [_rows({"month": x}, "median_adb_index", v) for x, v in zip(m, index, strict=True)],
    )
    fig06 = {
        2020: {"0": 0.53, "12": 0.19, "1-11": 0.28},
        2021: {"0": 0.58, "12": 0.17, "1-11": 0.25},
        2022: {"0": 0.58, "12": 0.16, "1-11": 0.26},
    }
    _write(
        res,
        "fig06",
        [
            _rows({"year": y, "months_revolved": k}, "share_of_firms", v)
            for y, cells in fig06.items()
            for k, v in cells.items()
        ],
    )
    fig07 = {"0": (0.88, 0.0), "6": (0.23, 0.05), "11": (0.02, 0.45), "12": (0.01, 0.75)}
    _write(
        res,
        "fig07",
        [
            _rows({"months_revolved": k}, f"share_revolving_{n}_next_year", v)
            for k, pair in fig07.items()
            for n, v in zip((0, 12), pair, strict=True)
        ],
    )
    fig05 = {"construction": (0.45, 0.40), "health care services": (0.25, 0.19)}
    fig05["personal services"] = (0.35, 0.30)
    _write(
        res,
        "fig05",
        [
            _rows({"industry": i, "year": y}, "share_revolving", v)
            for i, pair in fig05.items()
            for y, v in zip((2019, 2022), pair, strict=True)
        ],
    )
    fig08 = {
        "lpm": (0.40, 0.355, 0.31, 0.20),
        "logit": (0.41, 0.36, 0.30, 0.15),
        "fe_lpm": (0.33, 0.33, 0.32, 0.30),
    }
    _write(
        res,
        "fig08",
        [
            _rows({"model": k, "cash_buffer_days": d}, "predicted_probability", v)
            for k, vals in fig08.items()
            for d, v in zip((0.0, 10.0, 20.0, 60.0), vals, strict=True)
        ],
    )
    fig09 = {"lpm": (0.30, 0.41), "logit": (0.28, 0.42)}
    _write(
        res,
        "fig09",
        [
            _rows({"model": k, "industry": i}, "predicted_probability", v)
            for k, vals in fig09.items()
            for i, v in zip(("construction", "retail"), vals, strict=True)
        ],
    )
    keeps = [0.15 if x < "2020" else 0.30 for x in m]
    _write(
        res,
        "fig10",
        [_rows({"month": x}, "share_adb_covers_balance", 0.40) for x in m]
        + [
            _rows({"month": x}, "share_covers_and_keeps_buffer", v)
            for x, v in zip(m, keeps, strict=True)
        ],
    )

    def transactors(x: str) -> float:
        return 26.0 if x < "2020" else (33.0 if x < "2021" else 46.0)

    _write(
        res,
        "fig11",
        [
            _rows({"month": x, "group": "revolvers"}, "median_cash_buffer_days", v)
            for x, v in zip(m, [12.0 if x < "2020" else 20.0 for x in m], strict=True)
        ]
        + [
            _rows({"month": x, "group": "transactors"}, "median_cash_buffer_days", transactors(x))
            for x in m
        ],
    )
    _write(
        res,
        "fig12",
        [
            _rows({"month": x, "buffer_group": g}, "share_revolving", v)
            for x in m
            for g, v in (("> 15 days", 0.22), ("<= 15 days", 0.50))
        ]
        + [
            _rows({"month": x, "buffer_group": g}, "median_revolving_balance", v)
            for x in m
            for g, v in (("> 15 days", 5000.0), ("<= 15 days", 8000.0))
        ],
    )
    _write(
        res,
        "fig04",
        [
            _rows({"month": x, "size_class": s}, meas, v)
            for x in m
            for s, meas, v in (
                ("large", "share_revolving", 0.25),
                ("small", "share_revolving", 0.35),
                ("large", "median_revolving_balance", 9000.0),
                ("small", "median_revolving_balance", 6000.0),
            )
        ],
    )
    _write(res, "tabA1", [_rows({"industry": "construction"}, "median_annual_revenue", 226e3)])
    terms = ("revenues", "expenses", "net_cash_flow", "adb", "cash_buffer_days")
    models = [
        {
            "model": k,
            "term": t,
            "estimate": -0.01,
            "p_value": 0.2 if (k, t) == ("logit", "adb") else 0.01,
        }
        for k in ("lpm", "logit", "fe_lpm")
        for t in terms
    ]
    pd.DataFrame(models, columns=list(MODEL_COLUMNS)).to_csv(res / "models.csv", index=False)
    return run


@pytest.fixture(scope="module")
def got(run_dir: Path) -> pd.DataFrame:
    return compare(run_dir).set_index("id")


# Each expected value: the cells written above, read as targets.csv's "how" says.
EXPECTED = {
    "share_2012_2019": 0.33,  # 96 months alternating 0.32 / 0.34
    "share_max_after_march_2020": 0.28,  # 2022-07..12
    "balance_early_2020": 8000.0,  # (7000 + 9000) / 2: February is suppressed, skipped
    "balance_2022": 7000.0,
    "adb_index_after_may_2020": 150.0,
    "never_2020": 0.53,
    "all12_2020": 0.19,
    "never_2021": 0.58,
    "never_2022": 0.58,
    "all12_2021": 0.17,
    "all12_2022": 0.16,
    "some_months": (0.28 + 0.25 + 0.26) / 3,
    "trans_0_0": 0.88,
    "trans_6_0": 0.23,
    "trans_12_0": 0.01,
    "trans_12_12": 0.75,
    "trans_11_12": 0.45,
    "health_care_2022": 0.19,
    "personal_services_2022": 0.30,
    "industry_gap_2022": 0.40 - 0.19,  # construction minus health care
    "lpm_10_days": 0.355,
    "lpm_20_days": 0.31,
    "logit_10_days": 0.36,
    "logit_20_days": 0.30,
    "industry_range_lpm": 0.41 - 0.30,
    "industry_range_logit": 0.42 - 0.28,
    "adb_covers": 0.40,
    "covers_keeps_buffer_pre2020": 0.15,
    "revolver_days_pre2020": 12.0,
    "transactor_days_early_2020": 33.0,
    "revolver_days_2021": 20.0,
    "transactor_days_2021": 46.0,
    "share_above_15_days": 0.22,
    "share_15_days_or_less": 0.50,
    "construction_revenue_2022": 226_000.0,
}


@pytest.mark.parametrize("target", sorted(EXPECTED))
def test_each_number_is_read_from_its_table(got: pd.DataFrame, target: str) -> None:
    assert got.loc[target, "reproduced"] == pytest.approx(EXPECTED[target], abs=1e-12)


def test_every_number_of_the_targets_table_is_checked_here() -> None:
    numbers = set(targets().query("kind == 'number'").id)
    assert numbers == set(EXPECTED)


def test_within_tolerance_follows_the_published_range(got: pd.DataFrame) -> None:
    # industry_range_logit 0.14 vs 0.11 +- 0.03 -> 0.14 is inside (edge); gap 0.21 vs
    # 0.19 +- 0.03 inside; every number above was written inside its range.
    assert got.loc[got.kind == "number", "within"].all()


# Findings: (expected, why) from the cells above.
FINDINGS = {
    "net_cash_flow_negative": True,  # -0.01 in every model
    "all_significant": False,  # logit adb p = 0.2
    "fe_flatter": True,  # fall 0->60: fe 0.03 < lpm 0.20 and logit 0.26
    "lpm_logit_agree": True,  # |0.355 - 0.36| and |0.31 - 0.30| <= 0.03
    "higher_at_start": True,  # 0.40 in 2010-2011 > 0.33 in 2015-2019
    "rising_from_july_2021": True,  # 0.28 in 2022 H2 > 0.25 in 2021-04..06
    "fell_every_industry": True,  # every 2022 share below its 2019 share
    "construction_highest": True,  # 0.40 is the 2022 maximum
    "larger_revolve_less": True,  # 0.25 < 0.35
    "larger_balances": True,  # 9000 > 6000
    "transactors_twice": True,  # 26 / 12 = 2.17 in [1.7, 2.5]
    "smaller_balances_above_15": True,  # 5000 < 8000
}


@pytest.mark.parametrize("finding", sorted(FINDINGS))
def test_each_finding_is_read_from_its_table(got: pd.DataFrame, finding: str) -> None:
    assert bool(got.loc[finding, "within"]) is FINDINGS[finding]


def test_a_target_the_tables_cannot_give_says_why(got: pd.DataFrame) -> None:
    # No panel in this folder: the standardised effects need covariate standard deviations.
    row = got.loc["largest_effects"]
    assert pd.isna(row["within"]) and "panel" in row["note"]


def test_a_missing_table_is_a_reason_not_a_crash(run_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "fig02.csv").write_bytes((run_dir / "results/fig02.csv").read_bytes())
    f = compare(tmp_path).set_index("id")
    assert f.loc["share_2012_2019", "reproduced"] == pytest.approx(0.33)
    assert f.loc["never_2020", "note"] == "fig06.csv is missing"


def test_a_folder_without_results_is_a_stage_error(tmp_path: Path) -> None:
    with pytest.raises(StageError, match="Hint: run"):
        compare(tmp_path)


def test_within_bounds_shares_in_points_and_levels_in_percent() -> None:
    assert within(0.39, 0.35, 0.36, 0.03, "share")  # 0.36 + 0.03 = 0.39
    assert not within(0.3901, 0.35, 0.36, 0.03, "share")
    assert within(9.35, 11, 13, 0.15, "days")  # 11 x 0.85 = 9.35
    assert within(1e9, 45, None, 0.15, "days")  # one-sided: over 45
    assert not within(0.30, None, 0.30 - 1e-9, 0.0, "share")


def test_distance_is_zero_inside_and_squares_tolerances_outside() -> None:
    f = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "kind": ["number", "number", "number"],
            "reproduced": [0.355, 8000 * 1.3, float("nan")],
            "low": [0.35, 7000.0, 0.1],
            "high": [0.36, 8000.0, 0.2],
            "tolerance": [0.03, 0.15, 0.03],
            "unit": ["share", "dollars", "share"],
        }
    )
    # a inside: 0; b: gap 2400 / (0.15 x 8000 = 1200) = 2 -> 4; c unreadable: 4.
    assert distance(f) == pytest.approx(8.0)
    assert distance(f, {"b": 0.5}) == pytest.approx(6.0)


def test_every_target_has_a_reader_a_source_and_a_tolerance() -> None:
    t = targets()
    assert set(t.id) == set(fidelity._READERS)
    assert t.source.str.len().min() > 10 and t.how.str.len().min() > 10
    numbers = t[t.kind == "number"]
    assert (
        numbers.tolerance.notna().all()
        and numbers.unit.isin(["share", "dollars", "days", "index"]).all()
    )
    assert (numbers.low.notna() | numbers.high.notna()).all()


def test_the_cli_compares_a_run_and_writes_fidelity_csv(run_dir: Path, capsys) -> None:
    assert main(["smallbiz", "compare", str(run_dir)]) == 0
    written = pd.read_csv(run_dir / "results" / "fidelity.csv")
    assert list(written.columns) == list(fidelity.FIDELITY_COLUMNS)
    assert "numbers within tolerance" in capsys.readouterr().out


def test_a_panel_without_the_covariates_makes_the_effects_not_measurable(
    run_dir: Path, tmp_path: Path
) -> None:
    import shutil

    shutil.copytree(run_dir / "results", tmp_path / "results")
    (tmp_path / "panel").mkdir()
    pd.DataFrame({"firm_id": ["a"], "adb_real": [1.0]}).to_parquet(
        tmp_path / "panel" / "panel.parquet"
    )
    row = compare(tmp_path).set_index("id").loc["largest_effects"]
    assert pd.isna(row["within"]) and "lacks" in row["note"]


def test_standardised_effects_are_read_from_the_panel(run_dir: Path, tmp_path: Path) -> None:
    import shutil

    import numpy as np

    shutil.copytree(run_dir / "results", tmp_path / "results")
    (tmp_path / "panel").mkdir()
    rng = np.random.default_rng(0)
    n = 50
    # Every estimate is -0.01, so the standardised effects rank as the standard deviations:
    # adb_real (x 1e-3 -> sd about 100) and cash_buffer_days (sd about 50) are largest,
    # the flows (x 1e-3 -> sd about 1) smallest.
    pd.DataFrame(
        {
            "revolving": rng.random(n) < 0.3,
            "cash_buffer_days": rng.normal(30, 50, n),
            "revenues_real": rng.normal(0, 1e3, n),
            "expenses_real": rng.normal(0, 1e3, n),
            "net_cash_flow_real": rng.normal(0, 1e3, n),
            "adb_real": rng.normal(0, 1e5, n),
        }
    ).to_parquet(tmp_path / "panel" / "panel.parquet")
    assert bool(compare(tmp_path).set_index("id").loc["largest_effects", "within"]) is True
