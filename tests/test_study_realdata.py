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
    "nv.agr.totl.zs",
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
    _RUNS["run"] = run_study("vietnam-china", tmp_path_factory.mktemp("vc-data"), files)
    return _RUNS["run"]


def test_registered_fdi_against_the_bop_inflow_is_two_concepts_from_metadata(checked):
    # WDI BX.KLT.DINV.CD.WD, VNM 2021 = 15,660,000,000; 31.0 / 15.66 = 1.98
    c = checked.claim("fdi_2021_sources_imply_total")
    assert c.data_check.startswith("different_concepts") and "ratio 1.98" in c.data_check
    inflow = checked.claim("fdi_2021_total_as_inflow")
    assert "ratio 1.98" in inflow.recomputed and inflow.verdict == "different_concepts"


def test_growth_claim_is_window_dependent_on_current_data_too(checked):
    # WDI 2026-07: CHN 2016-2021 mean 6.23%, VNM (6.69+6.94+7.47+7.36+2.87+2.55)/6 = 5.65%
    c = checked.claim("chn_mean_growth_above_vnm_2016_2021")
    assert c.data_verdict == "window_dependent"
    assert "CHN 6.23% vs VNM 5.65%" in c.data_check


def test_a_wdi_revision_is_revised_since_not_an_inconsistency(checked):
    # the article's 2.91% (GSO, December 2020) against WDI 2026-07's 2.87% for 2020
    c = checked.claim("vnm_growth_2020")
    assert c.data_verdict == "revised_since"
    assert "2.91% -> 2.87%" in c.data_check


def test_vietnams_growth_series_was_revised_since_the_article(checked):
    # 2016 6.21 -> 6.69, 2019 7.02 -> 7.36: the old-base rates the article quotes
    c = checked.claim("vnm_growth_series_2016_2021")
    assert c.data_verdict == "revised_since"
    assert "2016 6.21% -> 6.69%" in c.data_check


def test_samsung_ratio_on_wdi_gdp_is_still_gross_revenue_over_value_added(checked):
    # 74.2 / 366.475 (WDI NY.GDP.MKTP.CD VNM 2021) = 20.25%
    c = checked.claim("samsung_vietnam_revenue_to_gdp_2021")
    assert c.data_verdict == "different_concepts" and "20.25%" in c.data_check


def test_a_stated_figure_from_an_older_wdi_vintage_was_revised_since(checked):
    # CHN 2016 GDP: 11.2333 tn in the late-2023 bulk file, 11.456 tn in the 2026 vintage
    c = checked.claim("chn_gdp_2016_in_usd")
    assert c.data_verdict == "revised_since"
    assert "older vintage's (API_NY.GDP.MKTP.CD" in c.data_check


def test_chinas_9_to_14_percent_fails_on_the_window_the_article_names(checked):
    # WDI: China 2001 = 8.32% < 9%; 2002-2010 all inside 9-14% (2007 14.15% rounds to 14)
    c = checked.claim("chn_growth_2000s_9_to_14")
    assert c.verdict == "inconsistent"
    assert c.window.startswith("fails: 2001-2010: also holds for 2002-2006")
    assert "2002-2010" in c.window.split("fails for")[0]
    assert "2001: 8.32%" in c.recomputed


def test_the_electronics_claim_holds_for_sitc_76_only(checked):
    # China's reports, mirrored: 76 -0.25 (2013) -> +0.40 (2018); 75 and 77 fell
    c = checked.claim("electronics_dependence_fell_2013_2019")
    assert c.data_verdict == "inconsistent"
    assert "holds for 76" in c.data_check and "not for 75" in c.data_check


def test_transport_equipment_stays_import_dependent(checked):
    c = checked.claim("transport_dependence_stays_high")
    assert c.data_verdict == "consistent"


def test_comparisons_that_need_outside_figures_become_checkable(checked):
    for cid in (
        "vnm_land_area_above_italy_poland",  # 329k > ITA 302k, POL 313k
        "vnm_population_above_germany_france_uk",
        "vnm_trade_surplus_every_year_since_2016",
        "vnm_agriculture_target_2045",  # NV.AGR.TOTL.ZS VNM 2021 = 12.60% > 10%
    ):
        assert checked.claim(cid).verdict == "consistent", cid


def test_with_data_every_claim_is_checked_or_says_why_not(checked):
    for c in checked.claims:
        assert not c.data_check.startswith("not run"), c.claim_id
    # the article's 97.34 million (end-2020) against WDI's 98.08 million (mid-2020)
    pop = checked.claim("vnm_population_above_germany_france_uk")
    assert "97.34 mn persons -> 98.0792 mn persons" in pop.data_check
