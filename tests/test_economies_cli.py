"""``econscope economies load`` and ``econscope economies indicator``."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from econscope.cli import main

WDI = (
    "\ufeffCountry Name,Country Code,Indicator Name,Indicator Code,2020,2021,\n"
    "Viet Nam,VNM,GDP (current US$),NY.GDP.MKTP.CD,346.6e9,366.1e9,\n"
    "World,WLD,GDP (current US$),NY.GDP.MKTP.CD,85e12,97e12,\n"
    "Atlantis,ATL,GDP (current US$),NY.GDP.MKTP.CD,1,..,\n"
)
BACI = "t,i,j,k,v,q\n2021,156,704,10121,1000,1\n2021,704,156,10121,10,1\n"
FACTS = (
    "fact_id,entity,indicator,period,value,unit,concept,source,vintage,quote,raw\n"
    "vn_exp,Vietnam,exports,2022Q1,88.58e9,USD,,article,2022-05-08,q,885.8 Billion dollars\n"
)


def test_load_writes_observations_aggregates_trade_and_report(tmp_path: Path, capsys) -> None:
    files = []
    for name, text in (
        ("API_gdp.csv", WDI),
        ("BACI_HS17_Y2021_V202401.csv", BACI),
        ("facts.csv", FACTS),
    ):
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        files.append(str(p))
    out = tmp_path / "out"
    assert main(["economies", "load", *files, "--out", str(out)]) == 0
    obs = pq.read_table(out / "observations.parquet").to_pylist()
    assert {(o["entity"], o["period"]) for o in obs if o["indicator"] == "NY.GDP.MKTP.CD"} == {
        ("VNM", "2020"),
        ("VNM", "2021"),
    }
    assert {o["entity"] for o in pq.read_table(out / "aggregates.parquet").to_pylist()} == {"WLD"}
    assert pq.read_table(out / "trade.parquet").num_rows == 2
    with (out / "load_report.csv").open() as fh:
        report = {
            (r["file"], r["outcome"], r["reason"]): int(r["rows"]) for r in csv.DictReader(fh)
        }
    # WDI: 3 lines x 2 years = 6: 2 VNM, 2 WLD aggregates, ATL "1" unknown, ".." missing.
    assert report[("API_gdp.csv", "read", "")] == 6
    assert report[("API_gdp.csv", "rejected", "unknown_country")] == 1
    assert report[("API_gdp.csv", "rejected", "missing_value")] == 1
    assert report[("facts.csv", "kept", "entity")] == 1
    checks = (out / "facts_checks.csv").read_text()
    assert "consistent_reading" in checks
    assert (out / "manifest.json").exists()
    # A rerun with the same inputs reuses the folder.
    capsys.readouterr()
    assert main(["economies", "load", *files, "--out", str(out)]) == 0
    assert "(reused)" in capsys.readouterr().out


def test_load_errors_have_exit_codes(tmp_path: Path) -> None:
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n")
    assert main(["economies", "load", str(bad), "--out", str(tmp_path / "o")]) == 1
    assert (
        main(["economies", "load", str(bad), "--out", str(tmp_path / "o"), "--layout", "nope"]) == 2
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["mean-growth", "--values", "6.7,6.9,6.6,6.0,2.2,8.1"],
            "arithmetic mean of 6 rates: 6.08%",
        ),
        (["compound-growth", "--values", "10,10"], "compound (geometric) mean of 2 rates: 10.00%"),
        (["cagr", "--first", "100", "--last", "121", "--years", "2"], "10.0000%"),
        (["tsi", "--x", "1", "--m", "3"], "-0.5"),
        (["grubel-lloyd", "--x", "1", "--m", "3"], "0.5"),
        (["openness", "--x", "30", "--m", "20", "--gdp", "100"], "0.5"),
        (["hhi-normalized", "--values", "50,30,20"], "0.07"),
        (["top-n-share", "--values", "50,30,20", "--n", "2"], "0.8"),
        (["rca", "--values", "30,40,39,79"], "1.51923"),
    ],
)
def test_indicator_on_numbers(args: list[str], expected: str, capsys) -> None:
    assert main(["economies", "indicator", *args]) == 0
    assert expected in capsys.readouterr().out


def test_indicator_on_a_loaded_trade_table(tmp_path: Path, capsys) -> None:
    p = tmp_path / "BACI_HS17_Y2021_V202401.csv"
    p.write_text(BACI)
    out = tmp_path / "out"
    assert main(["economies", "load", str(p), "--out", str(out)]) == 0
    target = tmp_path / "tsi.csv"
    code = main(
        [
            "economies",
            "indicator",
            "tsi",
            "--data",
            str(out / "trade.parquet"),
            "--out",
            str(target),
        ]
    )
    assert code == 0
    with target.open() as fh:
        rows = list(csv.DictReader(fh))
    # BACI rows are exports of i to j: CHN exports 1,000,000, VNM exports 10,000 -> TSI 1 each.
    assert {r["reporter"]: float(r["tsi"]) for r in rows} == {"CHN": 1.0, "VNM": 1.0}


def test_unknown_indicator_is_a_usage_error() -> None:
    assert main(["economies", "indicator", "nope"]) == 2
    assert main(["economies", "indicator", "tsi", "--x", "1"]) == 2
