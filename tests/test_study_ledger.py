"""The ledger's kernels: printed rounding, verdicts and their order, windows, vintages.

Every expected number is hand-computed in the comment beside it.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from econscope.economies.ledger import (
    FUNCTIONS,
    Env,
    MissingInput,
    Outcome,
    Stated,
    Value,
    arithmetic_verdict,
    cagr,
    decide,
    format_value,
    half_unit,
    mean_growth,
    mixed_vintages,
    window_check,
)


def pv(value: float, raw: str, unit: str = "USD", **meaning: str) -> Value:
    return Value.printed(value, raw, unit, **meaning)


# ------------------------------------------------------------------ printed rounding
def test_half_unit_follows_the_printed_digits_and_scale():
    # "1223.6 Billion dollars" = 1223.6亿 = 122.36e9: last digit 0.1亿 = 1e7, half = 5e6
    assert half_unit(122.36e9, "1223.6 Billion dollars") == pytest.approx(5e6)
    # "74%" -> half a percentage point
    assert half_unit(74.0, "74%") == 0.5
    # "9.20" keeps its printed trailing zero: half of 0.01
    assert half_unit(9.20, "9.20") == pytest.approx(0.005)


def test_a_printed_zero_still_carries_its_rounding():
    # "0" may be anything in [-0.5, 0.5] (found by the property test below)
    assert half_unit(0.0, "0") == 0.5


def test_fractions_and_words_count_as_exact():
    assert half_unit(33.333, "1/3") == 0.0
    assert half_unit(100.0, "almost doubled") == 0.0


# ------------------------------------------------------------------ arithmetic verdicts
def test_a_sum_that_rounds_to_the_stated_figure_is_consistent():
    # 11.73 + (-9.20) = 2.53 exactly (DESIGN.md: the Jan-Apr 2022 trade block)
    env = Env({"a": pv(11.73e9, "117.3 Billion"), "b": pv(-9.20e9, "92 Billion")})
    out = FUNCTIONS["sum"]({"parts": ["a", "b"]}, env)
    assert out.value == pytest.approx(2.53e9)
    assert arithmetic_verdict(out, pv(2.53e9, "25.3 Billion")) == "consistent"


def test_a_figure_reachable_only_inside_the_rounding_is_within_rounding():
    # 18.1 / 31.0 = 58.39% (not 58.2%), but 18.05 / 31.05 = 58.13% <= 58.2%
    env = Env({"p": pv(18.1e9, "181 Billion"), "t": pv(31.0e9, "310 Billion")})
    out = FUNCTIONS["share"]({"part": "p", "total": "t"}, env)
    assert out.value == pytest.approx(100 * 18.1 / 31.0)
    assert out.low == pytest.approx(100 * 18.05 / 31.05)
    assert arithmetic_verdict(out, pv(58.2, "58.2%", "percent")) == "consistent_within_rounding"


def test_a_figure_outside_every_rounding_is_inconsistent():
    # 10 + 10 = 20 with +-0.5 each: 19..21 cannot give 25
    env = Env({"a": pv(10.0, "10", "percent"), "b": pv(10.0, "10", "percent")})
    out = FUNCTIONS["sum"]({"parts": ["a", "b"]}, env)
    assert arithmetic_verdict(out, Stated(25.0, 0.5, "percent", "25%")) == "inconsistent"


def test_growth_from_parts_reweights_by_last_years_levels():
    # 90.59/1.147 = 78.980, 31.77/1.216 = 26.127; 122.36 / 105.107 - 1 = 16.415%
    env = Env(
        {
            "f": pv(90.59e9, "905.9 Billion"),
            "d": pv(31.77e9, "317.7 Billion"),
            "gf": pv(14.7, "14.7%", "percent"),
            "gd": pv(21.6, "21.6%", "percent"),
        }
    )
    out = FUNCTIONS["growth_from_parts"]({"levels": ["f", "d"], "growths": ["gf", "gd"]}, env)
    assert out.value == pytest.approx(100 * (122.36 / (90.59 / 1.147 + 31.77 / 1.216) - 1))
    assert out.low < 16.4 < out.high


def test_mean_growth_and_cagr_are_the_arithmetic_and_geometric_means():
    # (6.7 + 6.9 + 6.6 + 6.0 + 2.2 + 8.1) / 6 = 36.5 / 6 = 6.0833
    assert mean_growth([6.7, 6.9, 6.6, 6.0, 2.2, 8.1]) == pytest.approx(36.5 / 6)
    # 1.1 * 1.21 = 1.331 = 1.1**3 -> 10% a year
    assert cagr([10.0, 21.0]) == pytest.approx(100 * (math.sqrt(1.1 * 1.21) - 1))


def test_a_missing_input_says_what_it_needs():
    env = Env({"a": MissingInput("rate", "WDI PA.NUS.FCRF for CHN 2016")})
    with pytest.raises(MissingInput, match=r"PA\.NUS\.FCRF"):
        FUNCTIONS["level"]({"value": "a"}, env)


# ------------------------------------------------------------------ vintages, concepts
def test_two_releases_of_one_series_are_found():
    a = pv(204.6e9, "2046", entity="VNM", indicator="gdp", concept="gdp", vintage="old base")
    b = pv(362.6e9, "3626", entity="VNM", indicator="gdp", concept="gdp", vintage="revalued")
    c = pv(1.0e9, "10", entity="CHN", indicator="gdp", concept="gdp", vintage="other")
    assert mixed_vintages([a, b, c]) == [(a, b)]


def test_vintages_outrank_every_other_verdict():
    a = pv(88.58e9, "885.8", entity="VNM", indicator="x", vintage="estimate")
    b = pv(89.1e9, "891", entity="VNM", indicator="x", vintage="later")
    out = Outcome(89.1e9, 89.05e9, 89.15e9, "USD", "")
    assert decide(out, a, [a, b]).verdict == "mixes_vintages"


def test_a_concept_read_as_another_is_flagged_only_when_the_arithmetic_holds():
    rev = pv(74.2e9, "742", concept="firm_gross_revenue", label="rev")
    out = Outcome(20.46, 20.4, 20.5, "percent", "")
    right = decide(
        out,
        Stated(20.0, 0.5, "percent", "20%"),
        [rev],
        read_as={"rev": "gdp_current_prices"},
        named={"rev": rev},
    )
    assert right.verdict == "different_concepts"
    wrong = decide(
        out,
        Stated(30.0, 0.5, "percent", "30%"),
        [rev],
        read_as={"rev": "gdp_current_prices"},
        named={"rev": rev},
    )
    assert wrong.verdict == "inconsistent"


# ------------------------------------------------------------------ windows
def test_window_check_tests_every_other_contiguous_window():
    seen = window_check([2016, 2017, 2018, 2019], (2016, 2019), 3, lambda a, b: (True, ""))
    assert [w[0] for w in seen] == ["2016-2018", "2017-2019"]


def test_a_comparison_that_flips_on_another_window_is_window_dependent():
    # China's mean beats Vietnam's over 2016-2018 but not over 2017-2018 (hand-made rates)
    years = [2016, 2017, 2018]
    chn = tuple(
        Value.exact(r, "percent", entity="CHN", period=str(y))
        for y, r in zip(years, [9, 5, 5], strict=True)
    )
    vnm = tuple(
        Value.exact(r, "percent", entity="VNM", period=str(y))
        for y, r in zip(years, [4, 6, 6], strict=True)
    )
    args = {"left": "c", "op": ">", "right": "v", "window": "2016..2018", "min_years": 2}
    out = FUNCTIONS["compare_mean_growth"](args, Env({"c": chn, "v": vnm}))
    assert out.holds  # 19/3 = 6.33 > 16/3 = 5.33
    decision = decide(out, Stated(1.0, 0.0, "bool", "", holds=True), [*chn, *vnm])
    assert decision.verdict == "window_dependent"
    assert "2017-2018" in decision.reasons[-1]  # 5 vs 6 over 2017-2018


# ------------------------------------------------------------------ properties
@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=6),
    st.integers(min_value=0, max_value=2),
)
def test_rounded_parts_always_reach_the_rounded_sum(parts, decimals):
    """Whatever the true parts, the sum of their printed (rounded) values is never
    'inconsistent' with the printed (rounded) true total."""
    scale = 10.0**decimals
    true = [p / 997 for p in parts]  # arbitrary non-round numbers
    values = {}
    for i, t in enumerate(true):
        printed = f"{round(t * scale) / scale:.{decimals}f}"
        values[f"p{i}"] = pv(float(printed), printed, "percent")
    out = FUNCTIONS["sum"]({"parts": list(values)}, Env(values))
    total = f"{round(sum(true) * scale) / scale:.{decimals}f}"
    verdict = arithmetic_verdict(out, pv(float(total), total, "percent"))
    assert verdict in {"consistent", "consistent_within_rounding"}


@settings(max_examples=60, deadline=None)
@given(st.floats(min_value=-1e13, max_value=1e13, allow_nan=False))
def test_money_formats_with_its_sign_and_scale(value):
    text = format_value(value, "USD")
    assert text.startswith("-US$" if value < 0 else "US$")


# ------------------------------------------------------------------ units in ratios and comparisons
def _fx(value: float = 6.35, unit: str = "CNY/USD") -> Value:
    return Value.exact(value, unit, label="fx", period="2022Q1")


def test_a_ratio_converts_whichever_side_is_in_local_currency():
    # 88.58e9 USD vs 407.66e9 CNY at 6.35 CNY/USD: 407.66 / 6.35 = 64.198 bn USD
    usd = Value.exact(88.58e9, "USD", label="vn")
    cny = Value.exact(407.66e9, "CNY", label="sz")
    fx = _fx()
    up = FUNCTIONS["ratio"](
        {"num": "a", "den": "b", "rate": "r"}, Env({"a": usd, "b": cny, "r": fx})
    )
    down = FUNCTIONS["ratio"](
        {"num": "a", "den": "b", "rate": "r"}, Env({"a": cny, "b": usd, "r": fx})
    )
    assert up.value == pytest.approx(88.58 * 6.35 / 407.66)  # 1.3798
    assert down.value == pytest.approx(1 / up.value)
    assert "same currency" not in up.text and "CNY per USD" in up.text


def test_a_ratio_refuses_a_rate_in_the_wrong_unit():
    from econscope.errors import IncompatibleObservationsError

    env = Env(
        {
            "a": Value.exact(88.58e9, "USD"),
            "b": Value.exact(407.66e9, "CNY"),
            "r": _fx(25000.0, "VND/USD"),
        }
    )
    with pytest.raises(IncompatibleObservationsError, match="CNY/USD"):
        FUNCTIONS["ratio"]({"num": "a", "den": "b", "rate": "r"}, env)


def test_comparisons_refuse_figures_in_two_units():
    from econscope.errors import IncompatibleObservationsError

    usd = Value.exact(88.58e9, "USD", entity="VNM", period="2022")
    cny = Value.exact(407.66e9, "CNY", entity="SZ", period="2022")
    env = Env({"a": usd, "b": cny, "lo": Value.exact(5.0, "ratio"), "hi": pv(9, "9", "percent")})
    with pytest.raises(IncompatibleObservationsError, match="USD with CNY"):
        FUNCTIONS["compare"]({"left": "a", "op": ">", "right": "b"}, env)
    with pytest.raises(IncompatibleObservationsError):
        FUNCTIONS["all_compare"]({"values": "a", "op": "<", "reference": "b"}, env)
    with pytest.raises(IncompatibleObservationsError):
        FUNCTIONS["compare_mean_growth"](
            {"left": "a", "op": ">", "right": "b", "window": "2022"}, env
        )
    args = {"rates": "hi", "low": "lo", "high": "lo", "window": "2022"}
    with pytest.raises(IncompatibleObservationsError):
        FUNCTIONS["range_check"](args, env)


def test_a_nested_ratio_converts_with_its_rate_before_comparing():
    env = Env(
        {
            "a": Value.exact(88.58e9, "USD"),
            "b": Value.exact(407.66e9, "CNY"),
            "c": Value.exact(1.0, "USD"),
            "d": Value.exact(1.0, "USD"),
            "r": _fx(),
        }
    )
    left = {"fn": "ratio", "num": "a", "den": "b", "rate": "r"}  # 1.38
    out = FUNCTIONS["compare"](
        {"left": left, "op": ">", "right": {"fn": "ratio", "num": "c", "den": "d"}}, env
    )
    assert out.holds
    with pytest.raises(Exception, match="exchange rate"):
        FUNCTIONS["compare"](
            {"left": {"fn": "ratio", "num": "a", "den": "b"}, "op": ">", "right": "c"}, env
        )


def test_a_stated_figure_in_another_unit_is_a_config_error():
    from econscope.errors import ConfigError

    out = Outcome(64.2e9, 64.2e9, 64.2e9, "USD", "")
    with pytest.raises(ConfigError, match="CNY"):
        arithmetic_verdict(out, Stated(407.66e9, 5e6, "CNY", ""))
    flag = Outcome(1.0, 1.0, 1.0, "bool", "", boolean=True)
    assert arithmetic_verdict(flag, Stated(1.0, 0.0, "bool", "", holds=True)) == "consistent"


def test_a_ratio_of_a_currency_to_persons_says_so():
    from econscope.errors import IncompatibleObservationsError

    env = Env({"a": Value.exact(366e9, "USD"), "b": Value.exact(98.9e6, "persons")})
    with pytest.raises(IncompatibleObservationsError, match="one unit"):
        FUNCTIONS["ratio"]({"num": "a", "den": "b"}, env)
