"""Money and prices as settings: the currency in every label, any index, no deflation,
and --set for one entry of a table setting."""

from __future__ import annotations

import pytest

from econscope.config import Settings, load_settings
from econscope.errors import ConfigError
from econscope.smallbiz.method.prices import deflators, missing_cpi_years
from econscope.smallbiz.tables import DOLLARS, TABLES, money, money_unit, table_specs


def test_set_adds_one_year_to_the_price_index():
    s = load_settings(overrides=["prices.cpi_annual.1993=100.0"])
    assert s.prices.cpi_annual[1993] == 100.0
    assert s.prices.cpi_annual[2022] == 292.655  # the rest of CPI-U stays
    assert missing_cpi_years(s, [1993, 2022]) == []


def test_set_changes_one_year_of_the_price_index():
    s = load_settings(overrides=["prices.cpi_annual.2020=300.0"])
    f = deflators(s).set_index("year").factor
    assert f[2020] == pytest.approx(292.655 / 300.0)


def test_set_reaches_a_category_key_holding_a_dot():
    # categories.groups maps a category to its group; a quoted part may hold a dot
    s = load_settings(overrides=['categories.groups."cash.withdrawal"=financing_outflow'])
    assert s.categories.groups["cash.withdrawal"] == "financing_outflow"
    assert s.categories.groups["sales"] == "operating_inflow"  # the others stay


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("prices.cpi_annual.x=1", "keyed by year"),
        ("sample.nope=1", "unknown setting 'sample.nope'"),
        ("money.currency=czk", "money.currency"),
        ("a b=1", "not a setting name"),
    ],
)
def test_a_bad_override_is_one_error_with_a_hint(item, message):
    with pytest.raises(ConfigError, match=message) as info:
        load_settings(overrides=[item])
    assert "Hint:" in str(info.value)


def test_without_deflation_no_index_is_needed():
    s = load_settings(overrides=["prices.deflate=false"])
    assert missing_cpi_years(s, [1993]) == []  # CPI-U starts in 2010


def test_money_unit_names_price_year_and_currency():
    assert money_unit(Settings()) == "2022 US dollars"
    czk = load_settings(overrides=["money.currency=CZK", "prices.base_year=1994"])
    assert money_unit(czk) == "1994 CZK"
    nominal = load_settings(overrides=["money.currency=CZK", "prices.deflate=false"])
    assert money_unit(nominal) == "CZK (nominal)"
    assert money(1_000_000, czk) == "1,000,000 CZK" and money(500, Settings()) == "$500"


def test_every_money_label_follows_the_currency():
    czk = load_settings(
        overrides=[
            "money.currency=CZK",
            "prices.base_year=1994",
            "size.large_revenue_threshold=1000000",
        ]
    )
    specs = table_specs(czk)
    money_measures = [
        (tid, m)
        for tid, spec in TABLES.items()
        for m, unit in spec.measures.items()
        if unit == DOLLARS
    ]
    assert money_measures  # fig02's balance, fig03's ADB, tabA1's revenue, ...
    assert all(specs[tid].measures[m] == "1994 CZK" for tid, m in money_measures)
    assert specs["fig04"].title.endswith("at most 1,000,000 CZK)")
    text = " ".join(s.title + " ".join(s.measures.values()) for s in specs.values())
    assert "dollar" not in text.lower() and "$" not in text


def test_titles_follow_the_period_settings():
    s = load_settings(
        overrides=["results.index_base_month='1993-06'", "results.industry_years=[1993, 1994]"]
    )
    specs = table_specs(s)
    assert specs["fig03"].title.endswith("indexed 1993-06 = 100")
    assert specs["fig05"].title == "Revolving by industry, 1993 and 1994"
