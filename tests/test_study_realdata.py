"""The Vietnam-China study checked against real data (../shared/data, WDI and Comtrade).

Expected numbers come from the shared files themselves (WDI 2026-07 long layout,
`indicators/<code>/data.csv`; the older WDI bulk file of GDP; Comtrade China x Vietnam by
SITC), quoted in the comments.
"""

from __future__ import annotations

import pytest

from econscope.economies.study import run_study

pytestmark = pytest.mark.realdata

CODES = (
    "ny.gdp.mktp.kd.zg",
    "ny.gdp.mktp.cd",
    "bx.klt.dinv.cd.wd",
    "pa.nus.fcrf",
    "sp.pop.totl",
    "ag.srf.totl.k2",
    "tx.val.mrch.cd.wt",
    "tm.val.mrch.cd.wt",
)


_RUNS: dict[str, object] = {}


@pytest.fixture
def checked(shared_data, tmp_path_factory):
    """One run per test session (shared_data is function-scoped, the run is not)."""
    if "run" in _RUNS:
        return _RUNS["run"]
    wdi = shared_data / "wdi" / "datasets-world-development-indicators" / "indicators"
    files = [wdi / code / "data.csv" for code in CODES]
    files.append(shared_data / "wdi" / "API_NY.GDP.MKTP.CD_DS2_en_csv_v2_6298258.csv")
    comtrade = shared_data / "comtrade" / "shjain6670_IBE-Project---China"
    files += [comtrade / "comtrade (2).csv", comtrade / "comtrade (3).csv"]
    _RUNS["run"] = run_study(
        "vietnam-china", tmp_path_factory.mktemp("vc-data"), files, report=False
    )
    return _RUNS["run"]


def test_registered_fdi_set_against_the_bop_inflow_compares_different_concepts(checked):
    # WDI BX.KLT.DINV.CD.WD, VNM 2021 = 15,660,000,000; 31.0 / 15.66 = 1.98
    c = checked.claim("fdi_2021_sources_imply_total")
    assert c.data_check.startswith("different_concepts")
    assert "US$15.66 bn" in c.data_check and "ratio 1.98" in c.data_check


def test_growth_claim_is_window_dependent_on_current_data_too(checked):
    # WDI 2016-2021 means: CHN 37.40/6 = 6.23, VNM 33.88/6 = 5.65; 2016-2019: 6.62 vs 7.11
    c = checked.claim("chn_mean_growth_above_vnm_2016_2021")
    assert c.data_check.startswith("window_dependent")
    assert "CHN 6.23% vs VNM 5.65%" in c.data_check
    assert "2016-2019 (CHN 6.62% vs VNM 7.11%)" in c.data_check


def test_samsung_ratio_on_wdi_gdp_is_still_gross_revenue_over_value_added(checked):
    # 74.2 / 366.4748 (WDI NY.GDP.MKTP.CD VNM 2021) = 20.25%
    c = checked.claim("samsung_vietnam_revenue_to_gdp_2021")
    assert c.data_check.startswith("different_concepts")
    assert "20.25%" in c.data_check


def test_a_stated_figure_from_an_older_wdi_vintage_mixes_vintages(checked):
    # US$11.23 tn = the older bulk file's CHN 2016 (11,233,313,730,288), the current
    # vintage says 11.456 tn; CNY 74.36 tn / 6.6445 (PA.NUS.FCRF 2016) = US$11.19 tn
    c = checked.claim("chn_gdp_2016_in_usd")
    assert c.verdict == "inconsistent"
    assert c.data_check.startswith("mixes_vintages")
    assert "US$11.191 tn" in c.recomputed


def test_comparisons_that_need_outside_figures_become_checkable(checked):
    # WDI 2020: ITA 302,068 km2, POL 312,710 km2 < 329,000; DEU 83.2m, FRA 67.6m, GBR 66.7m
    assert checked.claim("vnm_land_area_above_italy_poland").verdict == "consistent"
    assert checked.claim("vnm_population_above_germany_france_uk").verdict == "consistent"


def test_chinas_9_to_14_percent_depends_on_the_years_read_into_after_2000(checked):
    # WDI CHN 2001 = 8.32% (below 9 - 0.5); 2002-2010 all within 8.5-14.5
    c = checked.claim("chn_growth_2000s_9_to_14")
    assert c.verdict == "window_dependent"
    assert "2001: 8.32%" in c.recomputed


def test_trade_specialisation_from_comtrade_checks_the_electronics_claim(checked):
    # China's imports from / exports to Vietnam, SITC 76, 2013 and 2018, mirrored:
    # Vietnam's TSI rises from -0.25 to +0.40; road vehicles (78) stay below -0.5
    c = checked.claim("electronics_dependence_fell_2013_2019")
    assert c.data_check.startswith("consistent (partial check")
    assert "-0.25 (2013) -> +0.40 (2018)" in c.data_check
    tsi = checked.charts[checked.charts["chart"] == "tsi_by_industry"]
    assert set(tsi["x"]) == {str(y) for y in range(2013, 2019)}


def test_a_surplus_every_year_since_2016_is_checked_on_wdi_trade(checked):
    # WDI VNM X - M (US$ bn): 2016 176.581-174.804 = 1.777 ... 2021 335.978-332.455 = 3.523
    c = checked.claim("vnm_trade_surplus_every_year_since_2016")
    assert c.verdict == "consistent"
    assert "2016 US$1.777 bn" in c.recomputed and "2021 US$3.523 bn" in c.recomputed
