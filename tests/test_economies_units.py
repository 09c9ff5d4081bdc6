"""Quantities as printed: English, Chinese and machine-translated scale words; plausibility;
periods; country codes. Phrases are quoted from the article (seeds/000_...txt)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from econscope.economies.countries import (
    country,
    entity_size,
    is_aggregate,
    iso3_from_comtrade,
    name_key,
    to_iso3,
)
from econscope.economies.periods import parse_period
from econscope.economies.units import (
    check_plausibility,
    format_quantity,
    parse_quantity,
    unit_family,
)
from econscope.errors import DataError

# --- parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value", "unit"),
    [
        ("9800 ten thousand", 98_000_000.0, ""),  # 9800万 = 98 million
        ("9734 ten thousand people", 97_340_000.0, "persons"),  # 9734万人
        ("32.9 10,000 square kilometers", 329_000.0, "km2"),  # 32.9万平方公里
        ("1763.5亿美元", 176_350_000_000.0, "USD"),  # 1763.5 x 1e8
        ("5921亿元", 592_100_000_000.0, "CNY"),
        ("114万亿元", 114e12, "CNY"),  # 万亿 = 1e12
        ("11.23 Trillions of dollars", 11.23e12, "USD"),
        ("US$176.35 bn", 176.35e9, "USD"),
        ("12.9%", 12.9, "percent"),
        ("217 dollar", 217.0, "USD"),
        ("1,143,670 yuan", 1_143_670.0, "CNY"),
    ],
)
def test_unambiguous_phrases_parse_to_base_units(raw: str, value: float, unit: str) -> None:
    q = parse_quantity(raw)
    assert not q.ambiguous
    assert q.value == pytest.approx(value, rel=1e-12)
    assert q.unit == unit


def test_billion_in_a_translation_has_two_readings_english_first() -> None:
    # "1763.5 Billion dollars" is 1763.5亿美元 = US$176.35 bn in the article.
    q = parse_quantity("1763.5 Billion dollars")
    assert [r.value for r in q.readings] == pytest.approx([1763.5e9, 176.35e9])
    assert "亿" in q.readings[1].note
    with pytest.raises(DataError, match="ambiguous"):
        _ = q.value


def test_one_hundred_million_reads_as_yi_or_as_wanyi_with_wan_dropped() -> None:
    # "5921 One hundred million yuan" = 5921亿元 = RMB 592.1 bn; "74.36 RMB 100 million"
    # is 74.36万亿元 (China's 2016 GDP) with the 万 lost: RMB 74.36 tn.
    q = parse_quantity("5921 One hundred million yuan")
    assert q.readings[0].value == pytest.approx(592.1e9)
    q2 = parse_quantity("74.36 RMB 100 million")
    assert [r.value for r in q2.readings] == pytest.approx([74.36e8, 74.36e12])
    assert q2.unit == "CNY"


def test_us_dollar_sign_is_not_read_as_singapore_dollar() -> None:
    assert parse_quantity("US $100 million").unit == "USD"
    assert parse_quantity("S$5 million").unit == "SGD"


def test_a_phrase_without_a_number_is_a_data_error() -> None:
    with pytest.raises(DataError, match="no number"):
        parse_quantity("Billion dollars")


@given(
    number=st.decimals(min_value=1, max_value=99999, places=2).map(float),
    word=st.sampled_from(
        [("ten thousand", 1e4), ("万", 1e4), ("亿", 1e8), ("万亿", 1e12), ("million", 1e6)]
    ),
)
def test_scale_words_multiply_the_number(number: float, word: tuple[str, float]) -> None:
    q = parse_quantity(f"{number} {word[0]}")
    assert q.readings[0].value == pytest.approx(number * word[1], rel=1e-12)


# --- plausibility -------------------------------------------------------------------------


def test_plausibility_keeps_the_yi_reading_of_vietnams_quarterly_trade() -> None:
    # VNM GDP 2021 ~ US$366 bn (shipped); a quarter = 91.5 bn. 1763.5e9 / 91.5e9 = 19.3 > 4
    # (implausible); 176.35e9 / 91.5e9 = 1.93 (plausible).
    check = parse_quantity("1763.5 Billion dollars").resolve(
        entity="Viet Nam", measure="trade", period="2022Q1"
    )
    assert check.status == "resolved"
    assert check.chosen is not None and check.chosen.value == pytest.approx(176.35e9)
    assert "rejected 1.764e+12" in check.flag


def test_plausibility_reads_china_2016_gdp_as_trillions() -> None:
    # 74.36 x 1e8 CNY ~ US$1.15 bn vs GDP US$18.2 tn: ratio 6e-5 < 0.3 -> misread;
    # 74.36 x 1e12 CNY / 6.45 = US$11.5 tn -> ratio 0.63, plausible.
    check = parse_quantity("74.36 RMB 100 million").resolve(
        entity="CHN", measure="gdp", period="2016"
    )
    assert check.chosen is not None and check.chosen.value == pytest.approx(74.36e12)


def test_plausibility_of_samsung_vietnam_revenue_picks_us74bn() -> None:
    # 742 Billion dollars: US$742 bn would be 2x Vietnam's GDP (revenue bound 1.0).
    check = parse_quantity("742 Billion dollars").resolve(entity="VNM", measure="revenue")
    assert check.chosen is not None and check.chosen.value == pytest.approx(74.2e9)


def test_population_of_guangdong_as_translated() -> None:
    # "Permanent population 1.27 Billion" = 1.27亿 = 127 million (shipped 1.27e8).
    check = parse_quantity("1.27 Billion").resolve(entity="CN-GD", measure="population")
    assert check.chosen is not None and check.chosen.value == pytest.approx(1.27e8)


def test_unknown_entity_is_unchecked_not_guessed() -> None:
    p = check_plausibility(1e9, "USD", entity="ATLANTIS", measure="gdp")
    assert p.status == "unchecked"
    q = parse_quantity("5 billion dollars").resolve(entity="ATLANTIS", measure="gdp")
    assert q.status == "unchecked" and q.chosen is None


def test_a_figure_no_reading_fits_is_flagged_implausible() -> None:
    check = parse_quantity("3 dollars").resolve(entity="VNM", measure="gdp")
    assert check.status == "implausible"
    assert "no reading fits" in check.flag


def test_format_and_families() -> None:
    assert format_quantity(176.35e9, "USD") == "US$176.35 bn"
    assert format_quantity(592.1e9, "CNY") == "RMB 592.1 bn"
    assert unit_family("VND") == "money"
    assert unit_family("km2") == "area"


# --- periods ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label", "months"),
    [
        ("2021", "2021", 12),
        ("2022Q1", "2022Q1", 3),
        ("Q1 2022", "2022Q1", 3),
        ("2022-3", "2022-03", 1),
        ("2022M03", "2022-03", 1),
        ("2010 [YR2010]", "2010", 12),
        ("2022-01..2022-04", "2022-01..2022-04", 4),
        ("2016..2021", "2016..2021", 72),
    ],
)
def test_periods_parse_to_canonical_labels(text: str, label: str, months: int) -> None:
    p = parse_period(text)
    assert (p.label, p.months) == (label, months)


def test_a_quarter_and_its_three_months_are_the_same_span() -> None:
    assert parse_period("2022Q1").same_span(parse_period("2022-01..2022-03"))
    assert not parse_period("2022Q1").same_span(parse_period("2022-01..2022-04"))
    assert parse_period("2022").contains(parse_period("2022Q2"))


@pytest.mark.parametrize("bad", ["2022-13", "20221", "2022-02-30", "2023..2021"])
def test_bad_periods_are_data_errors(bad: str) -> None:
    with pytest.raises(DataError):
        parse_period(bad)


# --- countries ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "iso3"),
    [
        ("Vietnam", "VNM"),
        ("Viet Nam", "VNM"),
        ("mainland China", "CHN"),
        ("Korea, Rep.", "KOR"),
        ("Republic of Korea", "KOR"),
        ("Hong Kong SAR, China", "HKG"),
        ("China, Hong Kong SAR", "HKG"),
        ("Other Asia, nes", "TWN"),
        ("Moçambique", "MOZ"),
        ("Guiné-Bissau", "GNB"),
        ("World", "WLD"),
        ("kor", "KOR"),
    ],
)
def test_name_variants_join_on_iso3(name: str, iso3: str) -> None:
    assert to_iso3(name) == iso3


def test_comtrade_codes_that_differ_from_iso_numeric() -> None:
    # Comtrade: USA 842 (ISO 840), France 251 (250), India 699 (356), Taiwan 490.
    assert [iso3_from_comtrade(c) for c in (842, 251, 699, 490, "0", "704")] == [
        "USA",
        "FRA",
        "IND",
        "TWN",
        "WLD",
        "VNM",
    ]
    assert country("USA").iso_numeric == "840"  # type: ignore[union-attr]


def test_aggregates_are_flagged_and_unknown_names_are_none() -> None:
    assert is_aggregate("EAS") and is_aggregate("HIC") and not is_aggregate("VNM")
    assert to_iso3("Atlantis") is None
    assert name_key("Côte d'Ivoire") == name_key("CÔTE D'IVOIRE")


def test_entity_sizes_are_shipped_for_countries_and_article_regions() -> None:
    assert entity_size("VNM").gdp_usd == pytest.approx(366e9)  # type: ignore[union-attr]
    assert entity_size("Vietnam") == entity_size("VNM")
    assert entity_size("CN-SZ") is not None
    assert math.isclose(entity_size("CHN").lcu_per_usd or 0, 6.45)  # type: ignore[union-attr]


def test_the_thousand_inside_square_kilometres_is_not_a_scale() -> None:
    # 平方千米 = km²: its 千 is part of the unit, so 500平方千米 is 500 km², not 500,000
    (r,) = parse_quantity("500平方千米").readings
    assert (r.value, r.unit, r.scale) == (500.0, "km2", 1.0)
    # a real scale word before the unit still counts: 32.9万平方千米 = 329,000 km²
    (r,) = parse_quantity("32.9万平方千米").readings
    assert (r.value, r.unit) == (329000.0, "km2")


# ---------------------------------------------- signs, fractions, words, qualifiers
@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("falling 2.6%", -2.6),  # Shenzhen's Q1 2022 exports
        ("trade deficit 92 Billion dollars", -92e9),  # the literal reading; 亿 gives -9.2e9
        ("下降2.6%", -2.6),
        ("growth 14.7%", 14.7),
    ],
)
def test_sign_words_make_a_figure_negative(raw, value):
    assert parse_quantity(raw).readings[0].value == pytest.approx(value)


def test_a_fraction_reads_as_a_ratio_and_as_percent_and_is_exact():
    q = parse_quantity("1/3")
    # 1/3 = 0.3333; as percent 33.33
    assert [r.value for r in q.readings] == pytest.approx([1 / 3, 100 / 3])
    assert q.exact


@pytest.mark.parametrize(
    ("raw", "value"), [("two", 2.0), ("两", 2.0), ("十二", 12.0), ("a decade", 10.0)]
)
def test_number_words_in_english_and_chinese(raw, value):
    assert parse_quantity(raw).value == value


def test_doubled_reads_as_a_multiple_and_as_growth():
    q = parse_quantity("almost doubled")
    # x2 = +100%
    assert [r.value for r in q.readings] == [2.0, 100.0]
    assert q.qualifier == "about"


@pytest.mark.parametrize(
    ("raw", "qualifier"),
    [
        ("About us 17.77 Trillions of dollars", "about"),
        ("20% about", "about"),
        ("near 39 Billion dollars", "about"),
        ("More than 181 Billion dollars", "at least"),
        ("6.5% above", "at least"),
        ("super 50%", "at least"),
        ("less than 10%", "at most"),
        ("9.20", ""),
    ],
)
def test_qualifiers_are_read_apart_from_the_number(raw, qualifier):
    assert parse_quantity(raw).qualifier == qualifier


def test_a_year_before_the_figure_is_skipped():
    assert parse_quantity("a 2020 Annual growth 102%").value == 102.0


def test_a_fallback_to_the_shipped_rate_warns():
    from econscope.economies.currency import ExchangeRates
    from econscope.errors import EconscopeWarning

    with pytest.warns(EconscopeWarning, match="fell back to the shipped"):
        check_plausibility(
            114e12, "CNY", entity="CHN", measure="gdp", period="2016", rates=ExchangeRates([])
        )
