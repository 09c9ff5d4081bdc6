"""A share gives back the firms it counts: share x n_firms. So a share is marked suppressed
when the firms counted in, or counted out, number 1 to k-1, whatever n_firms is."""

from __future__ import annotations

from econscope.config import load_settings
from econscope.smallbiz.results.registry import example_panel, result_table


def _share_cell(con, k: int):
    df = con.to_pyarrow(
        result_table("fig02", example_panel(), load_settings(overrides=[f"disclosure.k={k}"]))
    )
    return df.to_pandas().set_index("measure").loc["share_revolving"]


def test_a_share_of_two_firms_in_four_is_suppressed_at_k_3(con) -> None:
    # example_panel: 4 firms with a known status, 2 revolve (share 0.5): both the 2 counted
    # in and the 2 counted out are fewer than 3.
    cell = _share_cell(con, 3)
    assert cell["n_firms"] == 4
    assert bool(cell["suppressed"]) is True


def test_the_same_share_is_published_at_k_2(con) -> None:
    cell = _share_cell(con, 2)
    assert cell["value"] == 0.5
    assert bool(cell["suppressed"]) is False
