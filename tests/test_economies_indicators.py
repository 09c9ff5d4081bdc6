"""Indicators: hand-computed cases from the article, property tests, engine versions equal
to the scalar ones, and RCA against the Growth Lab's ``ecomplexity``."""

from __future__ import annotations

import contextlib
import io
import math
import warnings

import ibis
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from econscope.economies import indicators as ind
from econscope.economies.currency import ExchangeRates, Rate
from econscope.economies.observations import Observation, observations_table
from econscope.errors import DataError, IncompatibleObservationsError

# --- growth -------------------------------------------------------------------------------

CHINA = [0.067, 0.069, 0.066, 0.060, 0.022, 0.081]  # article: 2016-2021
VIETNAM = [0.0621, 0.0681, 0.0708, 0.0702, 0.0291, 0.0258]


def test_article_arithmetic_means_2016_2021() -> None:
    # (6.7+6.9+6.6+6.0+2.2+8.1)/6 = 36.5/6 = 6.083%; (6.21+6.81+7.08+7.02+2.91+2.58)/6
    # = 32.61/6 = 5.435%.
    assert ind.average_growth(CHINA).value == pytest.approx(0.060833, abs=1e-6)
    assert ind.average_growth(VIETNAM).value == pytest.approx(0.05435, abs=1e-6)


def test_the_comparison_is_window_dependent() -> None:
    # 2016-2019 only: China (6.7+6.9+6.6+6.0)/4 = 6.55% < Vietnam (6.21+6.81+7.08+7.02)/4
    # = 6.78%: the article's "China better" holds for 2016-2021, not for 2016-2019.
    assert ind.average_growth(CHINA[:4]).value < ind.average_growth(VIETNAM[:4]).value
    assert ind.average_growth(CHINA).value > ind.average_growth(VIETNAM).value


def test_geometric_mean_is_cagr_of_the_chained_levels() -> None:
    level = math.prod(1 + g for g in CHINA)  # index 1 -> level after 6 years
    geo = ind.average_growth(CHINA, "geometric")
    assert geo.method == "geometric"
    assert geo.value == pytest.approx(ind.cagr(1.0, level, 6))
    assert "compound" in geo.describe()


@given(st.lists(st.floats(min_value=-0.5, max_value=0.5), min_size=1, max_size=20))
def test_geometric_mean_never_exceeds_arithmetic(rates: list[float]) -> None:
    geo = ind.average_growth(rates, "geometric").value
    assert geo <= ind.average_growth(rates).value + 1e-12


def test_growth_errors() -> None:
    with pytest.raises(DataError):
        ind.growth(1.0, 0.0)
    with pytest.raises(DataError):
        ind.cagr(0.0, 1.0, 1)
    with pytest.raises(DataError):
        ind.average_growth([])


def test_growth_table_is_yoy_and_leaves_gaps_null(con) -> None:
    t = observations_table(
        [
            Observation("VNM", "gdp", "2019", 100.0, "USD"),
            Observation("VNM", "gdp", "2020", 103.0, "USD"),
            Observation("VNM", "gdp", "2022", 110.0, "USD"),  # 2021 missing
        ]
    )
    got = {r["period"]: r["value"] for r in con.to_pyarrow(ind.growth_table(t)).to_pylist()}
    assert got["2019"] is None and got["2022"] is None
    assert got["2020"] == pytest.approx(0.03)  # 103/100 - 1


# --- shares and decomposition -------------------------------------------------------------


def test_vietnam_export_decomposition() -> None:
    # Jan-Apr 2022: FDI sector 90.59 (+14.7%), domestic 31.77 (+21.6%), total 122.36.
    # Base: 90.59/1.147 = 78.980, 31.77/1.216 = 26.127; total 105.107; 122.36/105.107 - 1
    # = 16.415% (article: 16.4%). Base shares 75.14% / 24.86%.
    d = ind.decompose_growth({"fdi": 90.59, "dom": 31.77}, {"fdi": 0.147, "dom": 0.216})
    assert d.total_growth == pytest.approx(122.36 / (90.59 / 1.147 + 31.77 / 1.216) - 1)
    assert d.total_growth == pytest.approx(0.16415, abs=5e-5)
    assert d.current_shares["fdi"] == pytest.approx(0.7404, abs=1e-4)  # article: 74%
    assert sum(d.contributions.values()) == pytest.approx(d.total_growth)
    # With the article's rounded current shares: 0.74 x 14.7 + 0.26 x 21.6 = 16.49%.
    approx = ind.weighted_growth({"fdi": 0.74, "dom": 0.26}, {"fdi": 0.147, "dom": 0.216})
    assert approx == pytest.approx(0.16494)


@given(
    st.dictionaries(
        st.sampled_from("abcdef"),
        st.tuples(st.floats(1, 1e6), st.floats(-0.5, 2.0)),
        min_size=1,
    )
)
def test_decomposition_equals_total_growth(parts: dict[str, tuple[float, float]]) -> None:
    now = {k: v[0] for k, v in parts.items()}
    rates = {k: v[1] for k, v in parts.items()}
    d = ind.decompose_growth(now, rates)
    assert d.total_growth == pytest.approx(sum(now.values()) / sum(d.base_values.values()) - 1)


# --- ratios -------------------------------------------------------------------------------


def test_ratio_aligns_currency_and_prints_the_basis() -> None:
    fx = ExchangeRates([Rate("USD", "CNY", "period_average", "2022Q1", 6.35, "PBoC")])
    vn = Observation("VNM", "exports", "2022Q1", 88.58e9, "USD")
    sz = Observation("CN-SZ", "exports", "2022Q1", 4076.6e8, "CNY")
    r = ind.ratio(vn, sz, rates=fx, basis="period_average")
    # 88.58e9 x 6.35 = 562.48e9 CNY; / 407.66e9 = 1.3798
    assert r.value == pytest.approx(88.58e9 * 6.35 / 4076.6e8)
    assert "period average 2022Q1" in r.note
    with pytest.raises(DataError, match="need converting"):
        ind.ratio(vn, sz)


def test_ratio_refuses_different_periods_unless_allowed() -> None:
    a = Observation("VNM", "exports", "2022Q1", 1.0, "USD")
    b = Observation("CHN", "exports", "2021", 1.0, "USD")
    with pytest.raises(IncompatibleObservationsError, match="periods"):
        ind.ratio(a, b)
    assert ind.ratio(a, b, allow_periods=True).period == "2022Q1|2021"


def test_per_capita_and_revenue_to_gdp() -> None:
    gdp = Observation("VNM", "gdp", "2021", 362.619e9, "USD", concept="value added")
    pop = Observation("VNM", "population", "2021", 98.5e6, "persons")
    assert ind.per_capita(gdp, pop).value == pytest.approx(362.619e9 / 98.5e6)
    # Samsung Vietnam 2021: revenue US$74.2 bn / GDP US$362.619 bn = 20.46% (article: ~20%).
    rev = Observation("SAMSUNG-VN", "revenue", "2021", 74.2e9, "USD", concept="gross revenue")
    r = ind.revenue_to_gdp(rev, gdp)
    assert r.value == pytest.approx(0.20462, abs=1e-5)
    assert "value added" in r.warning and r.observation.concept == "gross revenue / value added"
    with pytest.raises(IncompatibleObservationsError, match="concepts"):
        ind.ratio(rev, gdp)


# --- trade --------------------------------------------------------------------------------


def test_trade_indices_by_hand() -> None:
    assert ind.trade_balance(122.36, 119.83) == pytest.approx(2.53)
    assert ind.openness(30, 20, 100) == 0.5
    assert ind.tsi(1, 3) == -0.5  # (1-3)/(1+3)
    assert ind.grubel_lloyd(1, 3) == 0.5  # 1 - 2/4
    with pytest.raises(DataError):
        ind.tsi(0, 0)


@given(st.floats(0, 1e9), st.floats(0, 1e9))
def test_tsi_and_grubel_lloyd_relation(x: float, m: float) -> None:
    if x + m == 0:
        return
    assert -1 <= ind.tsi(x, m) <= 1
    assert ind.grubel_lloyd(x, m) == pytest.approx(1 - abs(ind.tsi(x, m)))


TRADE = [
    # period, reporter, partner, product, flow, value
    ("2019", "VNM", "CHN", "85", "export", 30.0),
    ("2019", "VNM", "CHN", "85", "import", 90.0),
    ("2019", "VNM", "USA", "85", "export", 60.0),
    ("2019", "VNM", "CHN", "87", "import", 10.0),
    ("2019", "VNM", "WLD", "85", "export", 90.0),
]


def trade_table() -> ibis.Table:
    cols = list(zip(*TRADE, strict=True))
    names = ["period", "reporter", "partner", "product", "flow", "value"]
    return ibis.memtable(pa.table(dict(zip(names, cols, strict=True))))


def test_tsi_table_matches_the_scalar(con) -> None:
    t = trade_table()
    t = t.filter(t.partner != "WLD")
    out = con.to_pyarrow(ind.tsi_table(t, by=["reporter", "product"])).to_pylist()
    got = {r["product"]: r["tsi"] for r in out}
    # product 85: X = 30 + 60 = 90, M = 90 -> 0; product 87: X = 0, M = 10 -> -1.
    assert got == {"85": pytest.approx(ind.tsi(90, 90)), "87": -1.0}
    gl = con.to_pyarrow(ind.grubel_lloyd_table(t, by=["reporter", "product"])).to_pylist()
    assert {r["product"]: r["gl"] for r in gl} == {"85": 1.0, "87": 0.0}


# --- concentration ------------------------------------------------------------------------


def test_concentration_by_hand() -> None:
    # shares .5 .3 .2: HHI = .25 + .09 + .04 = .38; HHI* = (.38 - 1/3) / (2/3) = .07
    assert ind.hhi([50, 30, 20]) == pytest.approx(0.38)
    assert ind.normalized_hhi([50, 30, 20]) == pytest.approx(0.07)
    assert ind.top_n_share([50, 30, 20], 1) == pytest.approx(0.5)
    assert ind.normalized_hhi([1, 1, 1, 1]) == pytest.approx(0.0)
    with pytest.raises(DataError):
        ind.normalized_hhi([5])


@given(st.lists(st.floats(0.01, 1e6), min_size=2, max_size=30))
def test_hhi_bounds(values: list[float]) -> None:
    n = len(values)
    assert 1 / n - 1e-12 <= ind.hhi(values) <= 1 + 1e-12
    assert -1e-9 <= ind.normalized_hhi(values) <= 1 + 1e-9


def test_hhi_table_equals_scalar(con) -> None:
    t = ibis.memtable(
        pa.table(
            {
                "reporter": ["A", "A", "A", "A", "B"],
                "product": ["p", "q", "r", "p", "p"],
                "value": [30.0, 30.0, 20.0, 20.0, 7.0],
            }
        )
    )
    out = {
        r["reporter"]: r
        for r in con.to_pyarrow(
            ind.hhi_table(t, by=["reporter"], part="product", top_n=1)
        ).to_pylist()
    }
    # A: parts p 50, q 30, r 20 (p summed first)
    assert out["A"]["hhi"] == pytest.approx(ind.hhi([50, 30, 20]))
    assert out["A"]["hhi_normalized"] == pytest.approx(ind.normalized_hhi([50, 30, 20]))
    assert out["A"]["top_n_share"] == pytest.approx(0.5)
    assert out["B"]["hhi"] == 1.0 and out["B"]["hhi_normalized"] is None


# --- RCA ----------------------------------------------------------------------------------

RCA_FIXTURE = {
    "year": [2020] * 7,
    "loc": ["A", "A", "B", "B", "C", "C", "C"],
    "prod": ["p", "q", "p", "q", "p", "r", "q"],
    "val": [10.0, 30.0, 20.0, 5.0, 1.0, 9.0, 4.0],
}


def test_rca_by_hand() -> None:
    # A's q: X_Aq = 30, X_A = 40, X_q = 39, X = 79: (30/40)/(39/79) = 1.5192
    assert ind.rca(30, 40, 39, 79) == pytest.approx((30 / 40) / (39 / 79))


def _ecomplexity_rca() -> dict[tuple[str, str], tuple[float, int]]:
    import pandas as pd
    from ecomplexity import ecomplexity

    df = pd.DataFrame(RCA_FIXTURE)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")  # the peer uses pandas APIs pandas 3 deprecates
        out = ecomplexity(df, {"time": "year", "loc": "loc", "prod": "prod", "val": "val"})
    return {
        (r["loc"], r["prod"]): (float(r["rca"]), int(r["mcp"]))
        for r in out[["loc", "prod", "rca", "mcp"]].to_dict("records")
    }


def test_rca_table_agrees_with_ecomplexity(con) -> None:
    t = ibis.memtable(pa.table(RCA_FIXTURE))
    mine = {
        (r["loc"], r["prod"]): (r["rca"], r["mcp"])
        for r in con.to_pyarrow(
            ind.rca_table(t, time="year", location="loc", product="prod", value="val")
        ).to_pylist()
    }
    peer = _ecomplexity_rca()
    for key, (rca, mcp) in mine.items():
        assert rca == pytest.approx(peer[key][0], rel=1e-12)
        assert mcp == peer[key][1]
    # ecomplexity fills absent cells with 0; every present cell is compared above.
    assert set(mine) <= set(peer)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("ABC"), st.sampled_from("pqr"), st.floats(0.1, 1e6)),
        min_size=3,
        max_size=15,
        unique_by=lambda x: (x[0], x[1]),
    )
)
def test_rca_table_equals_scalar_formula(cells: list[tuple[str, str, float]]) -> None:
    t = ibis.memtable(
        pa.table(
            {
                "period": ["2020"] * len(cells),
                "reporter": [c[0] for c in cells],
                "product": [c[1] for c in cells],
                "value": [c[2] for c in cells],
            }
        )
    )
    out = ind.rca_table(t).to_pyarrow().to_pylist()
    total = sum(c[2] for c in cells)
    for r in out:
        x_c = sum(c[2] for c in cells if c[0] == r["reporter"])
        x_p = sum(c[2] for c in cells if c[1] == r["product"])
        assert r["rca"] == pytest.approx(ind.rca(r["value"], x_c, x_p, total), rel=1e-9)
        assert r["mcp"] == int(r["rca"] >= 1)


def test_hhi_table_nulls_and_flags_groups_the_scalar_refuses(con) -> None:
    # A has a negative part (hhi raises on it); Z sums to zero; B is fine
    t = ibis.memtable(
        pa.table(
            {
                "reporter": ["A", "A", "Z", "Z", "B", "B"],
                "product": ["p", "q", "p", "q", "p", "q"],
                "value": [30.0, -10.0, 5.0, -5.0, 3.0, 1.0],
            }
        )
    )
    with pytest.raises(DataError, match="non-negative"):
        ind.hhi([30.0, -10.0])
    got = {
        r["reporter"]: r
        for r in con.to_pyarrow(ind.hhi_table(t, by=["reporter"], part="product")).to_pylist()
    }
    for name, why in (("A", "negative_parts"), ("Z", "negative_parts")):  # Z: -5 < 0
        row = got[name]
        assert row["flag"] == why
        assert row["hhi"] is None and row["hhi_normalized"] is None
        assert row["top_n_share"] is None
    assert got["B"]["flag"] is None
    assert got["B"]["hhi"] == pytest.approx(ind.hhi([3.0, 1.0]))  # 0.75^2 + 0.25^2 = 0.625


def test_hhi_table_flags_a_zero_total(con) -> None:
    t = ibis.memtable(
        pa.table({"reporter": ["Z", "Z"], "product": ["p", "q"], "value": [0.0, 0.0]})
    )
    (row,) = con.to_pyarrow(ind.hhi_table(t, by=["reporter"], part="product")).to_pylist()
    assert row["flag"] == "zero_total" and row["hhi"] is None and row["top_n_share"] is None
