"""The public surface of the simulator: arguments, calibration, the CLI, the kernels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from econscope.cli import main
from econscope.errors import ConfigError
from econscope.smallbiz import Calibration
from econscope.smallbiz.sim.grid import make_grid
from econscope.smallbiz.sim.kernel import _split
from econscope.smallbiz.sim.simulate import simulate


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"firms": 0}, "firms must be at least 1"),
        ({"firms": 5, "start": "2010-13"}, "is not a month"),
        ({"firms": 5, "start": "2012-01", "end": "2011-01"}, "is before start"),
        ({"firms": 5, "faults": 0.9}, "must be a share"),
        ({"firms": 5, "chunk_firms": 0}, "chunk_firms"),
    ],
)
def test_bad_arguments_raise_a_config_error_with_a_hint(
    tmp_path: Path, kwargs: dict, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        simulate(tmp_path, progress=False, **kwargs)


def test_calibration_is_frozen_and_checked() -> None:
    cal = Calibration()
    with pytest.raises(ValidationError):
        cal.apr = 0.3  # type: ignore[misc]
    with pytest.raises(ConfigError, match=r"industry_mix must sum to 1.*Hint"):
        Calibration(industry_mix={k: 0.5 for k in cal.industry_mix})
    with pytest.raises(ConfigError, match="grace days"):
        Calibration(grace_days_min=26, grace_days_max=22)
    with pytest.raises(ConfigError, match="credit_limit_min must not exceed"):
        cal.replace(credit_limit_min=1e6)
    with pytest.raises(ConfigError, match="burn_in_months"):
        Calibration.model_validate({"burn_in_months": -1})
    assert all(f.description for f in Calibration.model_fields.values())


def test_the_calibration_drives_the_bank(tmp_path: Path) -> None:
    # No card holders at all -> no cards, statements or card transactions.
    res = simulate(
        tmp_path,
        firms=20,
        start="2019-01",
        end="2019-06",
        progress=False,
        calibration=Calibration(card_holding_share=0.0),
    )
    assert res.rows["card_accounts"] == res.rows["card_statements"] == 0
    assert res.rows["deposit_transactions"] > 20 * 6 * 10


def test_without_balances_no_balance_table_is_written(tmp_path: Path) -> None:
    simulate(tmp_path, firms=5, start="2019-01", end="2019-03", progress=False)
    res = simulate(
        tmp_path, firms=5, start="2019-01", end="2019-03", balances=False, progress=False
    )
    assert "deposit_balances" not in res.rows
    assert not (tmp_path / "deposit_balances.parquet").exists()


def test_the_cli_writes_the_bank(tmp_path: Path) -> None:
    code = main(
        [
            "smallbiz",
            "simulate",
            "--out",
            str(tmp_path),
            "--firms",
            "12",
            "--start",
            "2019-01",
            "--end",
            "2019-04",
            "--seed",
            "9",
            "--chunk-firms",
            "5",
            "--no-progress",
        ]
    )
    assert code == 0
    assert pq.read_metadata(tmp_path / "firms.parquet").num_rows == 12
    assert (tmp_path / "truth.parquet").exists()
    assert (
        main(
            [
                "smallbiz",
                "simulate",
                "--out",
                str(tmp_path),
                "--firms",
                "3",
                "--start",
                "2019-1",
                "--no-progress",
            ]
        )
        == 2
    )


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(st.integers(0, 30), min_size=1, max_size=20),
    totals=st.lists(st.integers(0, 10**9), min_size=20, max_size=20),
    seed=st.integers(0, 2**32 - 1),
)
def test_split_keeps_every_cent(counts: list[int], totals: list[int], seed: int) -> None:
    c = np.array(counts)
    t = np.array(totals[: len(counts)], dtype=np.int64)
    rep, cents = _split(np.random.default_rng(seed), np.arange(len(c)), c, t)
    got = np.bincount(rep, weights=cents, minlength=len(c)).astype(np.int64)
    np.testing.assert_array_equal(got, np.where(c > 0, t, 0))
    assert (cents >= 0).all()


def test_the_grid_inflates_with_cpi_u() -> None:
    g = make_grid("2010-01", "2023-01")
    assert g.n_months == 157
    # 2022 average / 2010 average CPI-U = 292.655 / 218.056 = 1.342; mid-year months are
    # close to the annual averages (linear interpolation between mid-years).
    july = {
        int(str(m)[:4]): p
        for m, p in zip(g.months, g.price, strict=False)
        if str(m).endswith("-07")
    }
    assert july[2022] / july[2010] == pytest.approx(292.655 / 218.056, rel=0.01)
    assert int(g.pandemic[np.searchsorted(g.months, np.datetime64("2020-05"))]) == 2


def test_docs_describe_every_calibration_parameter() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "simulator.md").read_text()
    missing = [name for name in Calibration.model_fields if f"`{name}`" not in doc]
    assert missing == []
