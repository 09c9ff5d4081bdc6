"""The NumPy kernels: hand-checkable cases, properties, and the doctests of econscope.stats."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from econscope.stats import _kernels as kernels


def test_solve_matches_the_hand_computed_line():
    # X = [[1, 1], [1, 2], [1, 3]], y = [1, 2, 2]: X'X = [[3, 6], [6, 14]], X'y = [5, 11],
    # det = 3*14 - 6*6 = 6, beta = [[14, -6], [-6, 3]] / 6 @ [5, 11] = [2/3, 1/2].
    beta = kernels.solve(np.array([[3.0, 6.0], [6.0, 14.0]]), np.array([5.0, 11.0]))
    np.testing.assert_allclose(beta, [2 / 3, 1 / 2], rtol=1e-14)


def test_inverse_is_the_symmetric_inverse():
    xtx = np.array([[3.0, 6.0], [6.0, 14.0]])
    np.testing.assert_allclose(kernels.inverse(xtx), np.array([[14, -6], [-6, 3]]) / 6, rtol=1e-14)


def test_cr1_correction_is_g_over_g_minus_1_times_n_minus_1_over_n_minus_k():
    # G = 11, N = 101, K = 2: 11/10 * 100/99 = 1.1111...
    assert kernels.cluster_correction(101, 2, 11) == pytest.approx(11 / 10 * 100 / 99, rel=1e-15)


def test_cr1_correction_is_undefined_with_one_cluster():
    assert np.isnan(kernels.cluster_correction(10, 2, 1))


def test_an_exact_linear_combination_is_dropped():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=50), rng.normal(size=50)
    x = np.column_stack([np.ones(50), a, b, a - b])  # column 3 = column 1 - column 2
    assert kernels.collinear_columns(x.T @ x) == [3]


def test_a_column_without_within_variation_is_dropped_against_its_raw_scale():
    # After the within transformation a time-invariant covariate keeps rounding noise only.
    xtx = np.array([[4.0, 1e-25], [1e-25, 1e-28]])
    raw = np.array([10.0, 5e6])
    assert kernels.collinear_columns(xtx, raw) == [1]
    assert kernels.collinear_columns(xtx) == []  # without the raw scale it is not visible


def test_inference_z_and_t():
    # z = 2: p = 2 * (1 - Phi(2)) = 0.0455003; 95% CI 2 +- 1.959964.
    z = kernels.inference(np.array([2.0]), np.array([[1.0]]))
    assert z.p_value[0] == pytest.approx(0.04550026, rel=1e-6)
    assert z.conf_low[0] == pytest.approx(2 - 1.959964, rel=1e-6)
    # t with 10 df: two-sided p of t = 2 is 0.0734 (scipy.stats.t(10).sf(2) * 2).
    t = kernels.inference(np.array([2.0]), np.array([[1.0]]), df=10)
    assert t.p_value[0] == pytest.approx(0.07338803, rel=1e-6)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_cells=st.integers(1, 6),
    k=st.integers(1, 3),
)
def test_cell_assembly_equals_the_dense_cross_products(seed, n_cells, k):
    """Summing per cell and assembling the dummy blocks gives X'X and X'y of the rows."""
    rng = np.random.default_rng(seed)
    n = 60
    cell = rng.integers(0, n_cells, n)
    c = rng.normal(size=(n, k)) * 1000
    y = rng.normal(size=n)
    frame = {"g": [], "n": [], "s0": [], "t0": [], "yy": []}
    for i in range(k):
        frame[f"s_{i}"], frame[f"t_{i}"] = [], []
        for j in range(i, k):
            frame[f"s_{i}_{j}"] = []
    for g in sorted(set(cell.tolist())):
        m = cell == g
        frame["g"].append(g)
        frame["n"].append(int(m.sum()))
        frame["s0"].append(float(m.sum()))
        frame["t0"].append(float(y[m].sum()))
        frame["yy"].append(float((y[m] ** 2).sum()))
        for i in range(k):
            frame[f"s_{i}"].append(float(c[m, i].sum()))
            frame[f"t_{i}"].append(float((c[m, i] * y[m]).sum()))
            for j in range(i, k):
                frame[f"s_{i}_{j}"].append(float((c[m, i] * c[m, j]).sum()))
    frame = pd.DataFrame(frame)
    levels = kernels.factor_levels(frame, ["g"], [None])
    d = kernels.cell_dummies(frame, ["g"], levels)
    cp = kernels.assemble(frame, k, d, intercept=True)
    dummies = (cell[:, None] == np.array(levels[0])[None, :]).astype(float)
    x = np.column_stack([np.ones(n), c, dummies])
    np.testing.assert_allclose(cp.xtx, x.T @ x, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(cp.xty, x.T @ y, rtol=1e-12, atol=1e-9)
    assert cp.n == n


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), shift=st.floats(-1e4, 1e4))
def test_slopes_do_not_move_when_a_constant_is_added_to_a_covariate(seed, shift):
    rng = np.random.default_rng(seed)
    x = np.column_stack([np.ones(80), rng.normal(size=80) * 50, rng.normal(size=80)])
    y = 0.3 + 0.01 * x[:, 1] - 0.2 * x[:, 2] + rng.normal(size=80)
    shifted = x.copy()
    shifted[:, 1] += shift
    b = kernels.solve(x.T @ x, x.T @ y)
    b2 = kernels.solve(shifted.T @ shifted, shifted.T @ y)
    np.testing.assert_allclose(b2[1:], b[1:], rtol=1e-7, atol=1e-12)
    assert b2[0] == pytest.approx(b[0] - shift * b[1], rel=1e-6, abs=1e-9)


@pytest.mark.parametrize(
    "module",
    [
        "econscope.stats._kernels",
        "econscope.stats._suffstats",
        "econscope.stats._logit",
        "econscope.smallbiz.results.models",
    ],
)
def test_docstring_examples_run(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
