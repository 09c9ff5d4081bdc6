"""The study's indicator functions on Observations: intervals, units, windows.

Every expected number is hand-computed in the comment beside it.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from econscope.economies.observations import Observation
from econscope.economies.study.claims import (
    FUNCTIONS,
    Env,
    Missing,
    MissingInput,
    format_value,
    mean_growth,
    one_unit,
    window_check,
)
from econscope.economies.study.data import ReferenceRates
from econscope.economies.study.verdicts import Stated, judge
from econscope.economies.units import half_unit
from econscope.errors import ConfigError, IncompatibleObservationsError

NO_RATES = ReferenceRates({})


def pv(value: float, raw: str, unit: str = "USD", **meaning: str) -> Observation:
    entity = meaning.pop("entity", "VNM")
    indicator = meaning.pop("indicator", "x")
    period = meaning.pop("period", "2021")
    return Observation.printed(entity, indicator, period, value, unit, raw=raw, **meaning)


def ex(value: float, unit: str, **meaning: str) -> Observation:
    entity = meaning.pop("entity", "VNM")
    indicator = meaning.pop("indicator", "x")
    period = meaning.pop("period", "2021")
    return Observation(entity, indicator, period, value, unit, **meaning)


def arithmetic(out, stated: Observation) -> str:
    return judge(out, Stated(stated), [], NO_RATES).arithmetic.status


# ------------------------------------------------------------------ printed rounding
def test_half_unit_follows_the_printed_digits_and_scale():
    # "1223.6 Billion dollars" = 1223.6亿 = 122.36e9: last digit 0.1亿 = 1e7, half = 5e6
    assert half_unit(122.36e9, "1223.6 Billion dollars") == pytest.approx(5e6)
    # "74%" -> half a percentage point; "9.20" keeps its trailing zero: half of 0.01
    assert half_unit(74.0, "74%") == 0.5
    assert half_unit(9.20, "9.20") == pytest.approx(0.005)


def test_a_printed_zero_still_carries_its_rounding():
    # "0" may be anything in [-0.5, 0.5]
    assert half_unit(0.0, "0") == 0.5


def test_fractions_and_words_count_as_exact():
    assert half_unit(33.333, "1/3") == 0.0
    assert half_unit(100.0, "almost doubled") == 0.0


def test_the_year_before_a_figure_is_not_its_rounding():
    # "a 2020 Annual growth 102%": the figure is 102%, half a point either way
    assert half_unit(102.0, "a 2020 Annual growth 102%") == 0.5


# ------------------------------------------------------------------ arithmetic
def test_a_sum_carries_the_interval_of_its_printed_parts():
    # 11.73 + (-9.20) = 2.53; "117.3"亿 is +-0.005 bn, "92"亿 +-0.05 bn: 2.475 to 2.585 bn
    env = Env({"a": pv(11.73e9, "117.3 Billion"), "b": pv(-9.20e9, "92 Billion")})
    out = FUNCTIONS["sum"]({"parts": ["a", "b"]}, env)
    assert (out.value, out.low, out.high) == pytest.approx((2.53e9, 2.475e9, 2.585e9))
    assert arithmetic(out, pv(2.53e9, "25.3 Billion")) == "consistent"


def test_a_figure_reachable_only_inside_the_rounding_is_within_rounding():
    # 18.1 / 31.0 = 58.39%; at 18.05 / 31.05 = 58.13% the stated 58.2 (58.15..58.25) is reached
    env = Env({"p": pv(18.1e9, "181 Billion"), "t": pv(31.0e9, "310 Billion")})
    out = FUNCTIONS["share"]({"part": "p", "total": "t"}, env)
    assert out.value == pytest.approx(100 * 18.1 / 31.0)
    assert arithmetic(out, pv(58.2, "58.2%", "percent")) == "within_rounding"


def test_a_figure_outside_every_rounding_is_inconsistent_with_its_gap():
    env = Env({"a": pv(10.0e9, "100 Billion"), "b": pv(5.0e9, "50 Billion")})
    out = FUNCTIONS["sum"]({"parts": ["a", "b"]}, env)
    part = judge(out, Stated(pv(16.0e9, "160 Billion")), [], NO_RATES).arithmetic
    assert part.status == "inconsistent"
    assert "-US$1 bn" in part.detail and "-6.2%" in part.detail  # 15 - 16 = -1; -1/16


def test_growth_from_parts_reweights_by_last_years_levels():
    # 90.59/1.147 = 78.98, 31.77/1.216 = 26.13; 122.36 / 105.11 - 1 = 16.42%
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


def test_mean_growth_is_one_function_for_arithmetic_and_compound_means():
    # (6.7+6.9+6.6+6.0+2.2+8.1)/6 = 6.0833; compound of 10% and 21% = sqrt(1.1*1.21) - 1
    assert mean_growth([6.7, 6.9, 6.6, 6.0, 2.2, 8.1]) == pytest.approx(36.5 / 6)
    assert mean_growth([10.0, 21.0], "geometric") == pytest.approx(
        100 * (math.sqrt(1.1 * 1.21) - 1)
    )


def test_a_missing_input_says_what_it_needs():
    env = Env({"a": Missing("rate", "WDI PA.NUS.FCRF for CHN 2016")})
    with pytest.raises(MissingInput, match=r"PA\.NUS\.FCRF"):
        FUNCTIONS["level"]({"value": "a"}, env)


def test_a_balance_from_exports_and_total_trade():
    # imports = 176.35 - 88.58 = 87.77; balance = 88.58 - 87.77 = 0.81 bn
    env = Env({"x": pv(88.58e9, "885.8 Billion"), "t": pv(176.35e9, "1763.5 Billion")})
    out = FUNCTIONS["balance_from_total"]({"exports": "x", "total": "t"}, env)
    assert out.value == pytest.approx(0.81e9)


def test_an_earlier_level_from_a_level_and_its_growth():
    # 18.0 / (1 + 102%) = 8.911 bn
    env = Env({"l": pv(18.0e9, "180 Billion"), "g": pv(102.0, "102%", "percent")})
    out = FUNCTIONS["implied_level"]({"level": "l", "growth": "g"}, env)
    assert out.value == pytest.approx(18.0e9 / 2.02)


# ------------------------------------------------------------------ windows
def test_window_check_tests_every_other_contiguous_window():
    seen = window_check([2016, 2017, 2018, 2019], (2016, 2019), 3, lambda a, b: (True, ""))
    assert [w[0] for w in seen] == ["2016-2018", "2017-2019"]


def test_a_range_check_names_the_years_outside():
    # China 2001 8.32% is below 9% (8.5 with rounding): the 2001-2003 window fails on 2001
    rates = tuple(
        ex(v, "percent", entity="CHN", period=str(y))
        for y, v in zip([2001, 2002, 2003], [8.32, 9.24, 10.11], strict=True)
    )
    env = Env({"r": rates, "lo": pv(9.0, "9%", "percent"), "hi": pv(14.0, "14%", "percent")})
    out = FUNCTIONS["range_check"](
        {"rates": "r", "low": "lo", "high": "hi", "window": "2001..2003", "min_years": 2}, env
    )
    assert not out.holds and "2001: 8.32%" in out.text
    assert ("2002-2003", True, "all inside") in out.windows


# ------------------------------------------------------------------ properties
@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=6),
    st.integers(min_value=0, max_value=2),
)
def test_rounded_parts_always_reach_the_rounded_sum(parts, decimals):
    """Whatever the true parts, the sum of their printed (rounded) values is never
    inconsistent with the printed (rounded) true total."""
    scale = 10.0**decimals
    true = [p / 997 for p in parts]  # arbitrary non-round numbers
    values = {}
    for i, t in enumerate(true):
        printed = f"{round(t * scale) / scale:.{decimals}f}"
        values[f"p{i}"] = pv(float(printed), printed, "percent")
    out = FUNCTIONS["sum"]({"parts": list(values)}, Env(values))
    total = f"{round(sum(true) * scale) / scale:.{decimals}f}"
    assert arithmetic(out, pv(float(total), total, "percent")) in {"consistent", "within_rounding"}


@settings(max_examples=60, deadline=None)
@given(st.floats(min_value=-1e13, max_value=1e13, allow_nan=False))
def test_money_formats_with_its_sign_and_scale(value):
    text = format_value(value, "USD")
    assert text.startswith("-US$" if value < 0 else "US$")


# ------------------------------------------------------------------ units: one check
def _fx(value: float = 6.35, unit: str = "CNY/USD") -> Observation:
    return ex(value, unit, label="fx", period="2022Q1")


def test_a_ratio_converts_whichever_side_is_in_local_currency():
    # 88.58e9 USD vs 407.66e9 CNY at 6.35 CNY/USD: 88.58 * 6.35 / 407.66 = 1.3798
    usd, cny = ex(88.58e9, "USD", label="vn"), ex(407.66e9, "CNY", label="sz")
    args = {"num": "a", "den": "b", "rate": "r"}
    up = FUNCTIONS["ratio"](args, Env({"a": usd, "b": cny, "r": _fx()}))
    down = FUNCTIONS["ratio"](args, Env({"a": cny, "b": usd, "r": _fx()}))
    assert up.value == pytest.approx(88.58 * 6.35 / 407.66)
    assert down.value == pytest.approx(1 / up.value)
    assert "CNY per USD" in up.text


def test_a_ratio_refuses_a_rate_in_the_wrong_unit():
    env = Env({"a": ex(88.58e9, "USD"), "b": ex(407.66e9, "CNY"), "r": _fx(25000.0, "VND/USD")})
    with pytest.raises(IncompatibleObservationsError, match="CNY/USD"):
        FUNCTIONS["ratio"]({"num": "a", "den": "b", "rate": "r"}, env)


def test_every_comparison_refuses_figures_in_two_units_with_one_error_type():
    env = Env(
        {
            "a": ex(88.58e9, "USD", period="2022"),
            "b": ex(407.66e9, "CNY", entity="SZ", period="2022"),
            "lo": ex(5.0, "ratio", period="2022"),
            "hi": pv(9, "9", "percent", period="2022"),
        }
    )
    with pytest.raises(IncompatibleObservationsError, match="one unit"):
        FUNCTIONS["compare"]({"left": "a", "op": ">", "right": "b"}, env)
    with pytest.raises(IncompatibleObservationsError):
        FUNCTIONS["all_compare"]({"values": "a", "op": "<", "reference": "b"}, env)
    with pytest.raises(IncompatibleObservationsError):
        FUNCTIONS["sum"]({"parts": ["a", "b"]}, env)
    with pytest.raises(IncompatibleObservationsError):
        FUNCTIONS["range_check"]({"rates": "hi", "low": "lo", "high": "lo", "window": "2022"}, env)


def test_a_nested_ratio_converts_with_its_rate_before_comparing():
    env = Env(
        {
            "a": ex(88.58e9, "USD"),
            "b": ex(407.66e9, "CNY"),
            "c": ex(1.0, "USD"),
            "d": ex(1.0, "USD"),
            "r": _fx(),
        }
    )
    left = {"fn": "ratio", "num": "a", "den": "b", "rate": "r"}  # 1.38 > 1
    out = FUNCTIONS["compare"](
        {"left": left, "op": ">", "right": {"fn": "ratio", "num": "c", "den": "d"}}, env
    )
    assert out.holds
    with pytest.raises(ConfigError, match="exchange rate"):
        FUNCTIONS["compare"](
            {"left": {"fn": "ratio", "num": "a", "den": "b"}, "op": ">", "right": "c"}, env
        )


def test_a_stated_figure_in_another_unit_is_a_config_error():
    out = FUNCTIONS["level"]({"value": "a"}, Env({"a": ex(64.2e9, "USD")}))
    with pytest.raises(ConfigError, match="CNY"):
        arithmetic(out, pv(407.66e9, "4076.6", "CNY"))


def test_a_ratio_of_a_currency_to_persons_says_so():
    env = Env({"a": ex(366e9, "USD"), "b": ex(98.9e6, "persons")})
    with pytest.raises(IncompatibleObservationsError, match="one unit"):
        FUNCTIONS["ratio"]({"num": "a", "den": "b"}, env)


def test_one_unit_names_both_units():
    with pytest.raises(IncompatibleObservationsError, match=r"\['USD', 'CNY'\]"):
        one_unit(["USD", "CNY"], "compare")
