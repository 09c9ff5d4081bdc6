"""Readers: WDI (bulk with and without preamble, DataBank, long), Comtrade (legacy 35 and
12 columns, Comtrade+), BACI and facts files. Small fixtures written here are always on;
the real files in ../shared/data run when that folder is present."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from econscope.economies.observations import combine_tables
from econscope.economies.readers import (
    detect_layout,
    read_any,
    read_baci,
    read_comtrade,
    read_comtrade_plus,
    read_facts,
    read_wdi,
    read_wdi_databank,
    read_wdi_long,
)
from econscope.errors import DataError, EngineGapError, IncompatibleObservationsError


def rows(table) -> list[dict]:
    return table.to_pyarrow().to_pylist()


def report(result) -> dict[tuple[str, str], int]:
    return {(r["outcome"], r["reason"]): r["rows"] for r in result.report.to_pylist()}


# --- WDI ----------------------------------------------------------------------------------

WDI_BULK = (
    '\ufeff"Data Source","World Development Indicators",\n'
    "\n"
    '"Last Updated Date","2025-10-07",\n'
    "\n"
    '"Country Name","Country Code","Indicator Name","Indicator Code","2019","2020","2021",\n'
    '"Viet Nam","VNM","GDP growth (annual %)","NY.GDP.MKTP.KD.ZG","7.36","2.87","2.55",\n'
    '"World","WLD","GDP growth (annual %)","NY.GDP.MKTP.KD.ZG","2.6","-3.1","6.2",\n'
    '"Atlantis","ATL","GDP growth (annual %)","NY.GDP.MKTP.KD.ZG","1","","abc",\n'
)
WDI_RESAVED = (
    "\ufeffCountry Name,Country Code,Indicator Name,Indicator Code,2020,2021,\r\n"
    '"Korea, Rep.",KOR,GDP (current US$),NY.GDP.MKTP.CD,1.64e12,1.82e12,\r\n'
    "Viet Nam,VNM,GDP (current US$),NY.GDP.MKTP.CD,346615738979.0,366137569122.2,\r\n"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_wdi_bulk_with_preamble_bom_and_trailing_comma(tmp_path: Path) -> None:
    p = write(tmp_path, "API_NY.GDP.MKTP.KD.ZG_DS2_en_csv_v2_1.csv", WDI_BULK)
    assert detect_layout(p) == "wdi_bulk"
    r = read_wdi(p)
    # 3 lines x 3 years = 9 cells: VNM 3 kept, WLD 3 aggregates, ATL: "1" unknown
    # country, "" missing, "abc" non-numeric.
    assert report(r) == {
        ("read", ""): 9,
        ("kept", "entity"): 3,
        ("kept", "aggregate"): 3,
        ("rejected", "unknown_country"): 1,
        ("rejected", "missing_value"): 1,
        ("rejected", "non_numeric"): 1,
    }
    assert r.counts() == {"read": 9, "kept": 6, "rejected": 3}
    vnm = {o["period"]: o for o in rows(r.observations)}
    assert vnm["2021"]["value"] == pytest.approx(2.55)
    assert vnm["2021"]["unit"] == "percent" and vnm["2021"]["vintage"] == "2025-10-07"
    assert {o["entity"] for o in rows(r.aggregates)} == {"WLD"}
    assert sorted(x["reason"] for x in rows(r.rejected)) == [
        "missing_value",
        "non_numeric",
        "unknown_country",
    ]


def test_wdi_bulk_resaved_without_preamble(tmp_path: Path) -> None:
    p = write(tmp_path, "API_NY.GDP.MKTP.CD_resaved.csv", WDI_RESAVED)
    r = read_wdi(p, vintage="2023-12")
    got = {(o["entity"], o["period"]): o for o in rows(r.observations)}
    assert got[("KOR", "2021")]["value"] == 1.82e12
    assert got[("VNM", "2021")]["concept"] == "GDP, value added, current prices"
    assert got[("VNM", "2021")]["vintage"] == "2023-12"


def test_wdi_databank_extract_with_dots_and_footer(tmp_path: Path) -> None:
    text = (
        "Country Name,Country Code,Series Name,Series Code,2020 [YR2020],2021 [YR2021]\n"
        "Viet Nam,VNM,GDP (current US$),NY.GDP.MKTP.CD,346615738979.0,366137569122.2\n"
        "China,CHN,GDP (current US$),NY.GDP.MKTP.CD,..,17820459508852.2\n"
        ",,,,,\n"
        "Data from database: World Development Indicators,,,,,\n"
        "Last Updated: 10/07/2025,,,,,\n"
    )
    p = write(tmp_path, "databank.csv", text)
    assert detect_layout(p) == "wdi_databank"
    r = read_wdi_databank(p)
    # 5 lines x 2 years = 10 cells: 3 kept, one "..", three footer lines x 2 = 6.
    assert report(r) == {
        ("read", ""): 10,
        ("kept", "entity"): 3,
        ("rejected", "missing_value"): 1,
        ("rejected", "footer"): 6,
    }
    assert {o["period"] for o in rows(r.observations)} == {"2020", "2021"}


def test_wdi_long_csv_takes_its_indicator_from_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "indicators" / "sp.pop.totl"
    folder.mkdir(parents=True)
    p = write(
        folder,
        "data.csv",
        "Country Name,Country Code,Year,Value\nViet Nam,VNM,2021,97468029\nWorld,WLD,2021,7.9e9\n",
    )
    assert detect_layout(p) == "wdi_long"
    r = read_wdi_long(p)
    (o,) = rows(r.observations)
    assert (o["entity"], o["indicator"], o["unit"]) == ("VNM", "SP.POP.TOTL", "persons")
    other = write(
        tmp_path, "pop.csv", "Country Name,Country Code,Year,Value\nViet Nam,VNM,2021,1\n"
    )
    with pytest.raises(DataError, match="which indicator"):
        read_wdi_long(other)


def test_readers_declare_the_spark_gap(tmp_path: Path) -> None:
    class FakeSpark:
        name = "pyspark"

    p = write(tmp_path, "API_x.csv", WDI_BULK)
    with pytest.raises(EngineGapError, match="DuckDB"):
        read_wdi(p, con=FakeSpark())  # type: ignore[arg-type]


# --- Comtrade ------------------------------------------------------------------------------

LEGACY_HEADER = [
    "Classification",
    "Year",
    "Period",
    "Period Desc.",
    "Aggregate Level",
    "Is Leaf Code",
    "Trade Flow Code",
    "Trade Flow",
    "Reporter Code",
    "Reporter",
    "Reporter ISO",
    "Partner Code",
    "Partner",
    "Partner ISO",
    "2nd Partner Code",
    "2nd Partner",
    "2nd Partner ISO",
    "Customs Proc. Code",
    "Customs",
    "Mode of Transport Code",
    "Mode of Transport",
    "Commodity Code",
    "Commodity",
    "Qty Unit Code",
    "Qty Unit",
    "Qty",
    "Alt Qty Unit Code",
    "Alt Qty Unit",
    "Alt Qty",
    "Netweight (kg)",
    "Gross weight (kg)",
    "Trade Value (US$)",
    "CIF Trade Value (US$)",
    "FOB Trade Value (US$)",
    "Flag",
]


def legacy_file(tmp_path: Path, records: list[tuple[str, str, str, str, str]]) -> Path:
    p = tmp_path / "comtrade_legacy.csv"
    with p.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=LEGACY_HEADER)
        w.writeheader()
        for flow, reporter, partner, code, value in records:
            row = dict.fromkeys(LEGACY_HEADER, "")
            row.update(
                {
                    "Classification": "S4",
                    "Year": "2018",
                    "Period": "2018",
                    "Trade Flow Code": flow,
                    "Reporter Code": reporter,
                    "Partner Code": partner,
                    "Commodity Code": code,
                    "Trade Value (US$)": value,
                }
            )
            w.writerow(row)
    return p


def test_comtrade_legacy_flows_world_partner_and_rejections(tmp_path: Path) -> None:
    p = legacy_file(
        tmp_path,
        [
            ("2", "156", "704", "00", "1000"),  # China exports to Viet Nam
            ("1", "156", "704", "00", "400"),
            ("2", "156", "0", "00", "5000"),  # to World: a total, kept as partner WLD
            ("2", "156", "490", "00", "300"),  # Other Asia, nes = Taiwan
            ("3", "156", "704", "00", ""),  # missing value
            ("9", "156", "704", "00", "7"),  # no such flow code
            ("2", "999", "704", "00", "5"),  # unknown reporter
        ],
    )
    assert detect_layout(p) == "comtrade"
    r = read_comtrade(p)
    assert r.layout == "comtrade_legacy"
    assert report(r) == {
        ("read", ""): 7,
        ("kept", "entity"): 3,
        ("kept", "partner_world"): 1,
        ("rejected", "missing_value"): 1,
        ("rejected", "unknown_flow"): 1,
        ("rejected", "unknown_country"): 1,
    }
    flows = {(t["partner"], t["flow"]): t["value"] for t in rows(r.trade)}
    assert flows == {
        ("VNM", "export"): 1000.0,
        ("VNM", "import"): 400.0,
        ("WLD", "export"): 5000.0,
        ("TWN", "export"): 300.0,
    }
    # Summing partners must leave World out: 1000 + 300 to partners, 5000 is the total.
    partners = r.trade.filter((r.trade.partner != "WLD") & (r.trade.flow == "export"))
    assert partners.value.sum().to_pyarrow().as_py() == 1300.0
    obs = {o["indicator"] for o in rows(r.observations)}
    assert "trade.export.VNM.S4.00" in obs


def test_comtrade_short_layout_restores_hs_leading_zeros(tmp_path: Path) -> None:
    text = (
        "Classification,Year,Trade Flow Code,Trade Flow,Reporter Code,Reporter,Partner Code,"
        "Partner,Commodity Code,Commodity,Trade Value (US$),Flag\n"
        "H5,2017,1,Import,842,USA,156,China,1,Animals; live,36327640,4\n"
        "H5,2017,3,Re-Export,842,USA,156,China,101,Horses,179614,4\n"
        "H5,2017,4,Re-Import,842,USA,156,China,85,Electrical,12,4\n"
    )
    p = write(tmp_path, "comtrade.csv", text)
    r = read_comtrade(p)
    assert r.layout == "comtrade_short"
    got = {(t["product"], t["flow"]) for t in rows(r.trade)}
    assert got == {("01", "import"), ("0101", "re-export"), ("85", "re-import")}
    assert {t["reporter"] for t in rows(r.trade)} == {"USA"}  # 842 is USA in Comtrade


def test_comtrade_plus_semicolons_formatted_numbers_and_names(tmp_path: Path) -> None:
    text = (
        ";typeCode;cmdCode;freqCode;refYear;reporterDesc;partnerDesc;flowCode;primaryValueFormated\n"
        "0;C;TOTAL;A;2021;China;Brazil;M;109,877,876,281.0\n"
        "1;C;TOTAL;A;2021;China;Moçambique;X;2,055,727,417.0\n"
        "2;C;TOTAL;A;2021;China;Atlantis;X;1.0\n"
    )
    p = write(tmp_path, "plus.csv", text)
    assert detect_layout(p) == "comtrade_plus"
    r = read_comtrade_plus(p)
    got = {(t["partner"], t["flow"]): t["value"] for t in rows(r.trade)}
    assert got == {("BRA", "import"): 109_877_876_281.0, ("MOZ", "export"): 2_055_727_417.0}
    assert report(r)[("rejected", "unknown_partner")] == 1


def test_comtrade_plus_with_iso_codes_and_commas(tmp_path: Path) -> None:
    text = (
        "reporterISO,partnerISO,flowCode,cmdCode,period,classificationCode,primaryValue\n"
        "VNM,CHN,M,85,202201,H6,123.5\n"
        "VNM,CHN,RX,85,202201,H6,1.5\n"
    )
    p = write(tmp_path, "plus2.csv", text)
    r = read_any(p)
    got = {(t["flow"], t["period"], t["product"]) for t in rows(r.trade)}
    assert got == {("import", "2022-01", "85"), ("re-export", "2022-01", "85")}


# --- BACI ---------------------------------------------------------------------------------


def test_baci_restores_six_digit_codes_and_scales_thousands(tmp_path: Path) -> None:
    text = (
        "t,i,j,k,v,q\n"
        "2021,156,704,10121,1000.5,12\n"  # k 010121; v = 1000.5 thousand US$
        "2021,842,156,851712,250,NA\n"
        "2021,490,704,854231,30,1\n"
        "2021,999,704,10121,5,1\n"
    )
    p = write(tmp_path, "BACI_HS17_Y2021_V202401.csv", text)
    assert detect_layout(p) == "baci"
    r = read_baci(p)
    got = {(t["reporter"], t["partner"], t["product"]): t["value"] for t in rows(r.trade)}
    assert got == {
        ("CHN", "VNM", "010121"): 1_000_500.0,
        ("USA", "CHN", "851712"): 250_000.0,
        ("TWN", "VNM", "854231"): 30_000.0,
    }
    t0 = rows(r.trade)[0]
    assert (t0["classification"], t0["vintage"], t0["flow"]) == ("HS17", "V202401", "export")
    assert report(r)[("rejected", "unknown_country")] == 1


# --- facts --------------------------------------------------------------------------------

FACTS_HEADER = (
    "fact_id,entity,indicator,period,value,unit,concept,source,vintage,quote,raw,note,measure\n"
)


def test_facts_file_checks_raw_against_value(tmp_path: Path) -> None:
    text = FACTS_HEADER + (
        "vn_trade_q1,Vietnam,trade,2022Q1,176.35e9,USD,goods,MOIT via article,2022-05-08,"
        '"Vietnam ... reaches 1763.5 Billion dollars",1763.5 Billion dollars,,trade\n'
        "vn_pop,Vietnam,population,2022Q1,98e6,persons,,article,2022-05-08,"
        '"( Population 9800 ten thousand )",9800 ten thousand,,population\n'
        "fdi_share_sg,SGP,fdi_share,2021,34.4,percent,registered capital,FIA,2022,"
        '"accounts for 34.4%",34.4%,,\n'
        "samsung_rev,SAMSUNG-VN,revenue,2021,742e9,USD,gross revenue,article,2022,"
        '"revenue 742 Billion dollars",742 Billion dollars,literal reading on purpose,\n'
        "typo,VNM,exports,2022Q1,88.0e9,USD,,article,2022,q,885.8 Billion dollars,,\n"
        "bad,VNM,exports,2022Q1,n/a,USD,,article,2022,q,,,\n"
    )
    p = write(tmp_path, "facts.csv", text)
    assert detect_layout(p) == "facts"
    r = read_facts(p)
    checks = {c["fact_id"]: c for c in r.checks.to_pylist()}
    assert checks["vn_trade_q1"]["raw_status"] == "consistent_reading"
    assert "亿" in checks["vn_trade_q1"]["reading"]
    assert checks["vn_trade_q1"]["plausibility"] == "plausible"
    assert checks["vn_pop"]["raw_status"] == "consistent"
    assert checks["fdi_share_sg"]["raw_status"] == "consistent"
    assert checks["samsung_rev"]["raw_status"] == "consistent"
    assert checks["typo"]["raw_status"] == "inconsistent"
    assert report(r) == {("read", ""): 6, ("kept", "entity"): 5, ("rejected", "non_numeric"): 1}
    ents = {o["entity"] for o in rows(r.observations)}
    assert ents == {"VNM", "SGP", "SAMSUNG-VN"}  # countries as ISO3, firms keep their id
    assert r.facts[0].quote.startswith("Vietnam")


def test_facts_flag_a_misread_magnitude(tmp_path: Path) -> None:
    # Stated as the literal English reading: US$1763.5 bn of quarterly trade for Viet Nam
    # is 19x a quarter of its GDP: flagged.
    text = (
        FACTS_HEADER + "x,VNM,trade,2022Q1,1763.5e9,USD,,a,2022,q,1763.5 Billion dollars,,trade\n"
    )
    r = read_facts(write(tmp_path, "f.csv", text))
    (c,) = r.checks.to_pylist()
    assert c["raw_status"] == "consistent" and c["plausibility"] == "implausible"
    assert "misread magnitude" in c["flag"]


def test_facts_yaml_and_errors(tmp_path: Path) -> None:
    y = tmp_path / "facts.yaml"
    y.write_text(
        "facts:\n"
        "  - {fact_id: cn_gdp, entity: China, indicator: gdp, period: '2021', value: 1.14367e14,"
        " unit: CNY, concept: value added, source: NBS via article, vintage: '2022',"
        " quote: 'GDP(1143670 One hundred million yuan)', raw: 1143670 One hundred million yuan,"
        " measure: gdp}\n",
        encoding="utf-8",
    )
    r = read_facts(y)
    (c,) = r.checks.to_pylist()
    assert (c["raw_status"], c["plausibility"]) == ("consistent", "plausible")
    dup = FACTS_HEADER + "a,VNM,x,2021,1,USD,,s,v,q,,,\na,VNM,x,2021,1,USD,,s,v,q,,,\n"
    with pytest.raises(DataError, match="duplicate fact_id"):
        read_facts(write(tmp_path, "dup.csv", dup))
    with pytest.raises(DataError, match="missing columns"):
        read_facts(write(tmp_path, "short.csv", "fact_id,entity\na,VNM\n"))


def test_unknown_layout_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="unknown layout"):
        detect_layout(write(tmp_path, "x.csv", "a,b\n1,2\n"))


# --- real files (../shared/data; skipped when absent) -------------------------------------


@pytest.mark.realdata
def test_real_wdi_bulk_with_preamble(shared_data: Path) -> None:
    r = read_wdi(shared_data / "wdi/API_NY.GDP.MKTP.KD.ZG_DS2_en_csv_v2_216044.csv")
    counts = report(r)
    assert counts[("read", "")] == 266 * 65  # 266 lines x 65 year columns (1960-2024)
    assert counts[("kept", "aggregate")] > 0
    vnm = r.observations.filter(
        (r.observations.entity == "VNM") & (r.observations.period == "2021")
    )
    (o,) = rows(vnm)
    # The file's own cell: 2.55372852648131 (October 2025 vintage).
    assert o["value"] == pytest.approx(2.55372852648131) and o["vintage"] == "2025-10-07"


@pytest.mark.realdata
def test_real_wdi_vintages_differ_and_are_not_mixed(shared_data: Path, duckdb_con) -> None:
    # Tables read on one connection can be combined in the engine.
    old = read_wdi(
        shared_data / "wdi/API_NY.GDP.MKTP.CD_DS2_en_csv_v2_6298258.csv",
        vintage="2023",
        con=duckdb_con,
    )
    new = read_wdi_long(
        shared_data
        / "wdi/datasets-world-development-indicators/indicators/ny.gdp.mktp.cd/data.csv",
        vintage="2026-07",
        con=duckdb_con,
    )
    pick = lambda t: t.filter((t.entity == "VNM") & (t.period == "2021"))  # noqa: E731
    # File cells: 366137569122.215 (late-2023 vintage) vs 366474752771.009 (2026-07).
    assert rows(pick(old.observations))[0]["value"] == pytest.approx(366137569122.215)
    assert rows(pick(new.observations))[0]["value"] == pytest.approx(366474752771.009)
    with pytest.raises(IncompatibleObservationsError, match="vintages differ"):
        combine_tables(pick(new.observations), pick(old.observations), "-", indicator="rev")


@pytest.mark.realdata
def test_real_comtrade_legacy_and_short(shared_data: Path) -> None:
    d = shared_data / "comtrade"
    r = read_comtrade(d / "shjain6670_IBE-Project---China/comtrade (2).csv")
    assert r.layout == "comtrade_legacy"
    assert report(r) == {("read", ""): 3071, ("kept", "entity"): 3071}
    partners = {t["partner"] for t in rows(r.trade.select("partner").distinct())}
    assert partners == {"AUS", "FRA", "RUS", "VNM", "IND"}  # codes 36, 251, 643, 704, 699
    w = read_comtrade(d / "shjain6670_IBE-Project---China/comtrade (7).csv")
    assert report(w)[("kept", "partner_world")] == 2396  # all reporters x World
    assert "TWN" in {t["reporter"] for t in rows(w.trade.select("reporter").distinct())}
    s = read_comtrade(d / "sstaple15_US-CNtrade/comtrade.csv")
    assert s.layout == "comtrade_short" and report(s)[("kept", "entity")] == 290
    codes = {t["product"] for t in rows(s.trade.select("product").distinct())}
    assert "01" in codes and not any(len(c) == 1 for c in codes)  # 26 rows lost a zero


@pytest.mark.realdata
def test_real_comtrade_plus(shared_data: Path) -> None:
    r = read_any(
        shared_data
        / "comtrade/joaquimrcarvalho_cipf-comtrade/dados_comtrade_2019,2020,2021_TOTAL.csv"
    )
    assert r.layout == "comtrade_plus"
    assert report(r) == {("read", ""): 54, ("kept", "entity"): 54}  # Portuguese names resolved
    bra = r.trade.filter((r.trade.partner == "BRA") & (r.trade.period == "2021"))
    got = {t["flow"]: t["value"] for t in rows(bra)}
    assert got == {"import": 109_877_876_281.0, "export": 53_612_224_393.0}  # file cells


def test_facts_yaml_rows_without_a_field_are_rejected(tmp_path: Path) -> None:
    # the second fact has no unit and no concept: rejected and counted, not kept with ""
    y = tmp_path / "facts.yaml"
    full = (
        "  - {fact_id: a, entity: China, indicator: gdp, period: '2021', value: 1.14367e14,"
        " unit: CNY, concept: value added, source: NBS, vintage: '2022', quote: q, raw: r}\n"
    )
    short = (
        "  - {fact_id: b, entity: China, indicator: gdp, period: '2022', value: 1.2e14,"
        " source: NBS, vintage: '2023', quote: q, raw: r}\n"
    )
    y.write_text("facts:\n" + full + short, encoding="utf-8")
    r = read_facts(y)
    assert [f.fact_id for f in r.facts] == ["a"]
    assert report(r) == {("read", ""): 2, ("kept", "entity"): 1, ("rejected", "missing_field"): 1}
    (rej,) = r.rejected.to_pyarrow().to_pylist()
    assert rej["reason"] == "missing_field" and rej["period"] == "2022"
