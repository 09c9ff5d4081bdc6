"""A verdict in parts, each computed from observations and their metadata, and the one
rule that derives the headline from them (econscope.economies.study.verdicts).

Hand-made observations; each expected number is computed in the comment beside it.
"""

from __future__ import annotations

import pytest

from econscope.economies.observations import Observation
from econscope.economies.study.claims import FUNCTIONS, Env
from econscope.economies.study.data import ReferenceRate, ReferenceRates
from econscope.economies.study.verdicts import Part, Parts, Stated, headline, judge

# CNY per USD, Q1 2022: average about 6.35, daily range 6.30-6.38 (the study's rates.csv)
RATES = ReferenceRates(
    {
        ("CNY/USD", "2022Q1"): ReferenceRate("CNY/USD", "2022Q1", 6.35, 6.35, 6.30, 6.38, "ref"),
        ("CNY/USD", "2021"): ReferenceRate("CNY/USD", "2021", 6.449, 6.38, 6.35, 6.58, "ref"),
    }
)


def obs(value: float, unit: str, raw: str | None = None, **m: str) -> Observation:
    entity, indicator, period = (
        m.pop("entity", "VNM"),
        m.pop("indicator", "x"),
        m.pop("period", "2021"),
    )
    if raw is None:
        return Observation(entity, indicator, period, value, unit, **m)
    return Observation.printed(entity, indicator, period, value, unit, raw=raw, **m)


def parts(**given: str) -> Parts:
    base = {
        "arithmetic": "consistent",
        "concept": "same",
        "vintage": "same",
        "window": "n/a",
        "fx": "n/a",
    }
    base.update(given)
    return Parts(*(Part(*v.split(": ", 1)) for v in base.values()))


# ------------------------------------------------------------------ the headline rule
@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"arithmetic": "not_computed"}, "not_checkable"),
        ({"fx": "outside_range", "vintage": "mixed"}, "inconsistent"),  # conversion first
        ({"window": "fails: 2001-2010", "vintage": "mixed"}, "inconsistent"),
        ({"vintage": "mixed", "arithmetic": "inconsistent"}, "mixes_vintages"),
        ({"arithmetic": "inconsistent", "concept": "different"}, "inconsistent"),
        (
            {"window": "holds: 2016-2021: fails for 2016-2019", "concept": "different"},
            "window_dependent",
        ),
        ({"concept": "different"}, "different_concepts"),
        ({"arithmetic": "within_rounding"}, "consistent_within_rounding"),
        ({"vintage": "revised_since"}, "consistent"),  # a later release is not the article's error
        ({}, "consistent"),
    ],
)
def test_the_headline_follows_the_documented_order(given, expected):
    assert headline(parts(**given)) == expected


# ------------------------------------------------------------------ concept
def test_revenue_over_gdp_combines_two_concepts_named_in_the_part():
    rev = obs(74.2e9, "USD", "742", entity="SAMSUNG", concept="firm_gross_revenue", label="rev")
    gdp = obs(362.619e9, "USD", "3626.19", concept="GDP, value added", label="gdp")
    out = FUNCTIONS["ratio"]({"num": "r", "den": "g", "percent": True}, Env({"r": rev, "g": gdp}))
    p = judge(out, Stated(obs(20.0, "percent", "20%", concept="ratio")), [rev, gdp], RATES)
    assert p.concept.status == "different"
    assert "firm_gross_revenue" in p.concept.detail and "GDP, value added" in p.concept.detail
    assert headline(p) == "different_concepts"  # 74.2 / 362.619 = 20.46% rounds to 20%


def test_a_share_of_one_total_has_the_same_concept():
    part = obs(18.1e9, "USD", "181", concept="fdi_registered_capital")
    total = obs(31.0e9, "USD", "310", concept="fdi_registered_capital")
    out = FUNCTIONS["share"]({"part": "p", "total": "t"}, Env({"p": part, "t": total}))
    assert (
        judge(out, Stated(obs(58.2, "percent", "58.2%")), [part, total], RATES).concept.status
        == "same"
    )


def test_a_qualified_concept_is_the_same_concept():
    # "population" (the article) against WDI's "population, midyear"
    a = obs(97.34e6, "persons", "9734", entity="VNM", concept="population")
    b = obs(83.2e6, "persons", entity="DEU", concept="population, midyear")
    out = FUNCTIONS["all_compare"](
        {"values": "b", "op": "<", "reference": "a"}, Env({"a": a, "b": b})
    )
    assert judge(out, Stated(None, holds=True), [a, b], RATES).concept.status == "same"


# ------------------------------------------------------------------ vintage
def test_two_releases_of_one_series_are_mixed_and_named():
    old = obs(
        204.6e9,
        "USD",
        "2046",
        indicator="gdp",
        period="2016",
        concept="gdp",
        vintage="old base",
        label="a",
    )
    new = obs(362.6e9, "USD", "3626", indicator="gdp", concept="gdp", vintage="revalued", label="b")
    out = FUNCTIONS["level_change"]({"before": "a", "after": "b"}, Env({"a": old, "b": new}))
    p = judge(out, Stated(obs(77.2, "percent", "77.2%")), [old, new], RATES)
    assert p.vintage.status == "mixed"
    assert "old base" in p.vintage.detail and "revalued" in p.vintage.detail


def test_figures_of_different_series_from_different_releases_are_not_mixed():
    a = obs(10.7e9, "USD", "107", entity="SGP", concept="fdi", vintage="FIA")
    b = obs(74.2e9, "USD", "742", entity="SAMSUNG", concept="revenue", vintage="company")
    out = FUNCTIONS["compare"]({"left": "b", "op": ">", "right": "a"}, Env({"a": a, "b": b}))
    assert judge(out, Stated(None, holds=True), [a, b], RATES).vintage.status == "same"


def test_a_data_revision_is_revised_since_not_an_inconsistency():
    x = obs(2.87, "percent", concept="GDP growth", vintage="WDI 2026")
    out = FUNCTIONS["level"]({"value": "x"}, Env({"x": x}))
    p = judge(out, Stated(obs(2.91, "percent", "2.91%")), [x], RATES, revised=["2.91% -> 2.87%"])
    assert p.vintage.status == "revised_since"


# ------------------------------------------------------------------ exchange rates
def test_two_versions_converted_at_rates_outside_the_quarter_are_inconsistent_not_mixed():
    # 592.1 / 88.58 = 6.684 and 584.2 / 89.1 = 6.557 CNY/USD, both above Q1 2022's 6.30-6.38
    def v(value: float, unit: str, raw: str, vintage: str, label: str) -> Observation:
        return obs(
            value,
            unit,
            raw,
            indicator="exports",
            period="2022Q1",
            concept="trade",
            vintage=vintage,
            label=label,
        )

    env = Env(
        {
            "u1": v(88.58e9, "USD", "885.8", "estimate", "u1"),
            "c1": v(592.1e9, "CNY", "5921", "estimate", "c1"),
            "g1": v(12.9, "percent", "12.9%", "estimate", "g1"),
            "u2": v(89.1e9, "USD", "891", "later", "u2"),
            "c2": v(584.2e9, "CNY", "5842", "later", "c2"),
            "g2": v(13.4, "percent", "13.4%", "later", "g2"),
        }
    )
    out = FUNCTIONS["versions"]({"first": ["u1", "c1", "g1"], "second": ["u2", "c2", "g2"]}, env)
    p = judge(out, Stated(env.one("u2")), env.observations(), RATES)
    assert p.fx.status == "outside_range"
    assert "6.684" in p.fx.detail and "6.557" in p.fx.detail
    assert p.vintage.status == "mixed"
    assert headline(p) == "inconsistent"


def test_an_about_conversion_at_an_unstated_rate_inside_the_range_is_consistent():
    # 114.367 tn / 6.449 = 17.734 tn against "about 17.77": the implied 114.367 / 17.77 =
    # 6.436 lies within 2021's daily range 6.35-6.58
    cny = obs(114.367e12, "CNY", "1143670", entity="CHN", concept="gdp", label="cny")
    rate = obs(6.449, "CNY/USD", entity="CHN", label="rate")
    out = FUNCTIONS["convert"]({"amount": "c", "rate": "r"}, Env({"c": cny, "r": rate}))
    assert out.value == pytest.approx(114.367e12 / 6.449)
    stated = Stated(
        obs(17.77e12, "USD", "17.77 Trillions", entity="CHN", concept="gdp", label="usd")
    )
    p = judge(out, stated, [cny, rate], RATES)
    assert p.fx.status == "within_range" and "6.436" in p.fx.detail
    assert p.arithmetic.status == "consistent"
    assert headline(p) == "consistent"


def test_an_about_figure_holds_within_the_qualifier_tolerance():
    # 20.9% against "20%" (19.5 to 20.5) and "about 20%" widened by 5% (19 to 21)
    x = obs(20.9, "percent")
    out = FUNCTIONS["level"]({"value": "x"}, Env({"x": x}))
    tight = judge(out, Stated(obs(20.0, "percent", "20%")), [x], RATES)
    loose = judge(out, Stated(obs(20.0, "percent", "20%"), about=0.05), [x], RATES)
    assert tight.arithmetic.status == "inconsistent"
    assert loose.arithmetic.status == "consistent"


# ------------------------------------------------------------------ window
def test_a_claim_false_on_the_window_it_names_fails_and_lists_where_it_holds():
    rates = tuple(
        obs(v, "percent", entity="CHN", period=str(y))
        for y, v in zip(range(2001, 2006), [8.32, 9.24, 10.11, 10.14, 11.45], strict=True)
    )
    env = Env({"r": rates, "lo": obs(9.0, "percent", "9%"), "hi": obs(14.0, "percent", "14%")})
    args = {"rates": "r", "low": "lo", "high": "hi", "window": "2001..2005", "min_years": 3}
    out = FUNCTIONS["range_check"](args, env)
    p = judge(out, Stated(None, holds=True), list(rates), RATES)
    assert p.window.status == "fails"
    assert "also holds for 2002-2004, 2002-2005, 2003-2005" in p.window.detail
    assert headline(p) == "inconsistent"
