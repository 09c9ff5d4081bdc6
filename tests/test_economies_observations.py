"""Observations and their arithmetic; currency conversion with an explicit basis."""

from __future__ import annotations

import doctest
import importlib

import ibis
import pytest

from econscope.economies.currency import ExchangeRates, Rate
from econscope.economies.observations import (
    OBSERVATION_SCHEMA,
    Observation,
    check_compatible,
    combine,
    combine_tables,
    compatibility,
    observations_from_table,
    observations_table,
)
from econscope.errors import DataError, IncompatibleObservationsError

JA = "2022-01..2022-04"


def rows(con, expr) -> list[dict]:
    """Execute on the test's engine; results as Python rows (no pandas)."""
    return con.to_pyarrow(expr).to_pylist()


def obs(**kw: object) -> Observation:
    base = dict(entity="VNM", indicator="exports", period=JA, value=1.0, unit="USD", source="GSO")
    base.update(kw)
    return Observation(**base)  # type: ignore[arg-type]


def test_vietnam_export_parts_add_to_the_total() -> None:
    # Article: FDI sector 90.59 + domestic 31.77 = 122.36 (US$ bn, Jan-Apr 2022).
    total = obs(indicator="fdi", value=90.59e9) + obs(indicator="dom", value=31.77e9)
    assert total.value == pytest.approx(122.36e9)
    assert total.unit == "USD" and total.period == JA


def test_surplus_is_fdi_surplus_minus_domestic_deficit() -> None:
    # 11.73 - 9.20 = 2.53 (US$ bn)
    s = obs(value=11.73e9) - obs(value=9.20e9)
    assert s.value == pytest.approx(2.53e9)


@pytest.mark.parametrize(
    ("other", "what", "flag"),
    [
        (dict(unit="CNY"), "units", "allow_units"),
        (dict(unit="persons"), "units", "allow_units"),
        (dict(concept="registered capital"), "concepts", "allow_concepts"),
        (dict(period="2022Q1"), "periods", "allow_periods"),
        (dict(vintage="2023-10"), "vintages", "allow_vintages"),
    ],
)
def test_adding_incompatible_observations_is_refused_with_the_fix(
    other: dict[str, object], what: str, flag: str
) -> None:
    with pytest.raises(IncompatibleObservationsError, match=rf"{what} differ.*{flag}=True"):
        obs(value=1.0) + obs(value=2.0, **other)


def test_different_currencies_point_to_conversion() -> None:
    with pytest.raises(IncompatibleObservationsError, match=r"ExchangeRates\.convert"):
        obs(value=1.0) / obs(value=2.0, unit="CNY")


def test_an_override_is_explicit_and_recorded() -> None:
    a = obs(value=3.0, vintage="2022-05")
    b = obs(value=1.0, vintage="2023-10")
    r = combine(a, b, "+", allow_vintages=True)
    assert r.value == 4.0
    assert r.vintage == "2022-05|2023-10"
    assert "allow_vintages" in r.note


def test_division_gives_ratio_or_compound_unit() -> None:
    gdp = obs(indicator="gdp", period="2021", value=366e9)
    pop = obs(indicator="pop", period="2021", value=98.9e6, unit="persons")
    assert (gdp / gdp).unit == "ratio"
    assert (gdp / pop).unit == "USD/persons"
    assert (gdp * 2).value == 732e9


def test_a_bare_number_cannot_be_added() -> None:
    with pytest.raises(IncompatibleObservationsError, match="bare number"):
        obs() + 1.0  # type: ignore[operator]


def test_same_span_periods_combine() -> None:
    # A quarter and its three months are one span; the label of the left operand is kept.
    r = obs(period="2022Q1", value=1.0) + obs(period="2022-01..2022-03", value=2.0)
    assert r.value == 3.0 and r.period == "2022Q1"


# --- engine tables ------------------------------------------------------------------------


def test_observations_table_round_trip(con) -> None:
    rows = [obs(value=1.5), obs(entity="CHN", value=2.5)]
    t = observations_table(rows)
    assert t.schema() == OBSERVATION_SCHEMA
    back = sorted(observations_from_table(t), key=lambda o: o.entity)
    assert [o.value for o in back] == [2.5, 1.5]


def test_combine_tables_divides_row_by_row(con) -> None:
    gdp = observations_table(
        [
            obs(entity="VNM", indicator="gdp", period="2021", value=366e9),
            obs(entity="CHN", indicator="gdp", period="2021", value=17.7e12),
        ]
    )
    pop = observations_table(
        [
            obs(entity="VNM", indicator="pop", period="2021", value=98.9e6, unit="persons"),
            obs(entity="CHN", indicator="pop", period="2021", value=1.41e9, unit="persons"),
        ]
    )
    r = combine_tables(gdp, pop, "/", indicator="gdp_per_capita")
    out = {row["entity"]: row for row in rows(con, r)}
    assert out["VNM"]["value"] == pytest.approx(366e9 / 98.9e6)  # 3700.7
    assert out["VNM"]["unit"] == "USD/persons"


def test_combine_tables_refuses_mixed_vintages_naming_a_row(con) -> None:
    a = observations_table([obs(period="2021", vintage="2023")])
    b = observations_table([obs(period="2021", vintage="2026")])
    with pytest.raises(IncompatibleObservationsError, match=r"vintages differ.*VNM 2021"):
        combine_tables(a, b, "-", indicator="revision")
    ok = combine_tables(a, b, "-", indicator="revision", allow_vintages=True)
    assert [row["vintage"] for row in rows(con, ok)] == ["2023|2026"]


# --- currency -----------------------------------------------------------------------------

RATES = ExchangeRates(
    [
        Rate("USD", "CNY", "period_average", "2022Q1", 6.3504, "SAFE"),
        Rate("USD", "CNY", "end_of_period", "2022Q1", 6.3482, "SAFE"),
        Rate("USD", "VND", "period_average", "2022Q1", 22870.0, "SBV"),
        Rate("USD", "CNY", "at_date", "2022-05-06", 6.6550, "illustrative"),
    ]
)


def test_each_basis_gives_its_own_rate_and_says_so() -> None:
    avg = RATES.convert(88.58e9, "USD", "CNY", basis="period_average", period="2022Q1")
    eop = RATES.convert(88.58e9, "USD", "CNY", basis="end_of_period", period="2022Q1")
    assert avg.value == pytest.approx(88.58e9 * 6.3504)
    assert eop.value == pytest.approx(88.58e9 * 6.3482)
    assert "period average 2022Q1" in str(avg)
    assert "end of period 2022Q1" in str(eop)
    d = RATES.convert(1.0, "USD", "CNY", basis="at_date", date="2022-05-06")
    assert "rate at 2022-05-06" in str(d)


def test_cross_rates_go_through_usd() -> None:
    # 1 CNY = 22870 / 6.3504 VND = 3601.35 VND
    c = RATES.convert(1.0, "CNY", "VND", basis="period_average", period="2022Q1")
    assert c.value == pytest.approx(22870.0 / 6.3504)
    assert c.source == "SAFE; SBV"


def test_missing_rate_is_a_data_error_naming_what_to_add() -> None:
    with pytest.raises(DataError, match="no period_average rate USD->CNY for 2021"):
        RATES.convert(1.0, "USD", "CNY", basis="period_average", period="2021")
    with pytest.raises(DataError, match="needs date="):
        RATES.convert(1.0, "USD", "CNY", basis="at_date")


def test_conflicting_rates_are_refused() -> None:
    with pytest.raises(DataError, match="two rates"):
        ExchangeRates(
            [
                Rate("USD", "CNY", "at_date", "2022-01-03", 6.3),
                Rate("USD", "CNY", "at_date", "2022-01-03", 6.4),
            ]
        )


def test_rates_from_records_and_csv(tmp_path) -> None:
    p = tmp_path / "fx.csv"
    p.write_text("base,quote,basis,when,rate,source\nUSD,CNY,period_average,2021,6.4515,WDI\n")
    fx = ExchangeRates.from_csv(p)
    assert len(fx) == 1
    assert fx.rate("CNY", "USD", basis="period_average", period="2021")[0] == pytest.approx(
        1 / 6.4515
    )


def test_convert_table_converts_money_rows_and_prints_the_basis(con) -> None:
    t = observations_table(
        [
            obs(entity="CN-SZ", period="2022Q1", value=4076.6e8, unit="CNY"),
            obs(entity="VNM", period="2022Q1", value=88.58e9, unit="USD"),
            obs(entity="VNM", indicator="pop", period="2022Q1", value=98e6, unit="persons"),
        ]
    )
    r = {
        row["entity"] + row["indicator"]: row
        for row in rows(con, RATES.convert_table(t, "USD", basis="period_average"))
    }
    sz = r["CN-SZexports"]
    assert sz["value"] == pytest.approx(4076.6e8 / 6.3504)  # US$64.19 bn
    assert sz["unit"] == "USD" and "period average 2022Q1" in sz["conversion"]
    assert r["VNMpop"]["unit"] == "persons" and r["VNMpop"]["conversion"] is None
    with pytest.raises(DataError, match="no end_of_period rate"):
        RATES.convert_table(
            observations_table([obs(period="2021", unit="CNY")]), "USD", basis="end_of_period"
        )


# --- doctests of the core modules ---------------------------------------------------------


@pytest.mark.parametrize(
    "module",
    [
        "econscope.economies.periods",
        "econscope.economies.units",
        "econscope.economies.currency",
        "econscope.economies.observations",
        "econscope.economies.countries",
        "econscope.economies.indicators",
        "econscope.economies.readers.wdi",
        "econscope.economies.readers.facts",
        "econscope.economies.readers.detect",
    ],
)
def test_docstring_examples_run(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0


def test_memtable_is_engine_neutral() -> None:
    assert isinstance(observations_table([obs()]), ibis.Table)


def test_two_printed_versions_imply_two_exchange_rates() -> None:
    # Article: exports US$88.58 bn = RMB 5921亿 -> 6.6844; US$89.1 bn = RMB 5842亿 -> 6.5567.
    from econscope.economies.currency import implied_rate

    assert implied_rate(88.58e9, 5921e8) == pytest.approx(6.68435, abs=1e-5)
    assert implied_rate(89.1e9, 5842e8) == pytest.approx(6.55668, abs=1e-5)


# ------------------------------------------------------------------ intervals and reasons
def test_a_printed_figure_carries_the_interval_of_its_last_digit():
    # "1223.6 Billion dollars" = 122.36e9: +-0.05亿 = +-5e6
    x = Observation.printed("VNM", "exports", "2022", 122.36e9, "USD", raw="1223.6 Billion")
    assert (x.low, x.high) == pytest.approx((122.355e9, 122.365e9))
    assert x.tolerance == pytest.approx(5e6) and not x.exact


def test_arithmetic_carries_intervals_through_every_corner():
    # 11.73 (+-0.005) - 9.20 (+-0.005) = 2.53 in [2.52, 2.54]
    a = Observation.printed("VNM", "x", "2022", 11.73, "USD", raw="11.73")
    b = Observation.printed("VNM", "x", "2022", 9.20, "USD", raw="9.20")
    d = a - b
    assert (d.value, d.low, d.high) == pytest.approx((2.53, 2.52, 2.54))
    # a ratio's interval: 11.725 / 9.205 to 11.735 / 9.195
    r = a / b
    assert (r.low, r.high) == pytest.approx((11.725 / 9.205, 11.735 / 9.195))


def test_compatibility_returns_every_reason_instead_of_raising():
    a = Observation("VNM", "fdi", "2021", 31e9, "USD", concept="registered", vintage="FIA")
    b = Observation("VNM", "fdi", "2020", 15.7e9, "USD", concept="bop inflow", vintage="WDI")
    kinds = [r.kind for r in compatibility(a, b, "/")]
    assert kinds == ["concepts", "periods", "vintages"]
    with pytest.raises(IncompatibleObservationsError, match="concepts differ"):
        check_compatible(a, b, "/")


def test_an_interval_that_does_not_hold_its_value_is_refused():
    with pytest.raises(IncompatibleObservationsError, match="does not hold"):
        Observation("VNM", "x", "2021", 5.0, "USD", low=6.0, high=7.0)
