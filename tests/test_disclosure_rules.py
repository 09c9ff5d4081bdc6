"""The publication-wide rules of econscope.disclosure, on hand-made cases (issue 13 item 1).

Each expected set is worked out by hand in the comment above it.
"""

from __future__ import annotations

import pandas as pd
import pytest

from econscope.disclosure import (
    KNOWN,
    RESIDUAL,
    Count,
    complementary_suppression,
    determined,
    pool_levels,
    round_counts,
    round_significant,
)
from econscope.errors import DisclosureError


def _fig06_year(counts: dict[str, int]) -> tuple[dict, list]:
    """One fig06 year: counts "0".."12" and "1-11", the year's total known."""
    total = sum(v for m, v in counts.items() if m != "1-11")
    c = {m: Count(m, v) for m, v in counts.items()}
    c["N"] = Count(KNOWN, total)
    parts = [str(m) for m in range(13)]
    relations = [{"N": 1, **{m: -1 for m in parts}}, {"1-11": 1, **{m: -1 for m in parts[1:12]}}]
    return c, relations


def test_a_single_hidden_complement_gets_a_partner() -> None:
    # 100 firms: 40 never revolve, 55 always, 5 revolved in 3 months (hidden, < 10).
    # "3" is the only unknown of both relations, so it is determined. Candidates in order of
    # cost (zero counts last: hiding a known zero protects nothing): "1-11" (5), "0" (40),
    # "12" (55). Hiding "1-11" leaves relation 1 (N = 0 + ... + 12) with "3" alone, so "0"
    # goes too; then 3 unknowns in 2 equations and none is fixed.
    counts = {str(m): 0 for m in range(13)} | {"0": 40, "12": 55, "3": 5, "1-11": 5}
    c, rel = _fig06_year(counts)
    hidden = complementary_suppression(c, rel, {"3"}, k=10)
    assert hidden == {"3", "1-11", "0"}
    assert determined(c, rel, hidden) == set()


def test_a_margin_with_one_hidden_class_hides_its_sibling() -> None:
    # all firms 50 = large 47 + small 3 (hidden): small = 50 - 47. Hide large too.
    c = {"all": Count("all", 50), "large": Count("large", 47), "small": Count("small", 3)}
    rel = [{"all": 1, "large": -1, "small": -1}]
    assert complementary_suppression(c, rel, {"small"}, k=10) == {"small", "large"}


def test_a_small_residual_that_no_table_shows_is_protected() -> None:
    # all 50 = large 30 + small 17 + 3 firm-months without a size class (never published):
    # with all three cells published the 3 follow by subtraction, so one class is hidden.
    c = {
        "all": Count("all", 50),
        "large": Count("large", 30),
        "small": Count("small", 17),
        "none": Count(RESIDUAL, 3),
    }
    rel = [{"all": 1, "large": -1, "small": -1, "none": -1}]
    assert complementary_suppression(c, rel, set(), k=10) == {"small"}
    # a residual of 0 or of at least k firms needs nothing
    c["none"] = Count(RESIDUAL, 12)
    assert complementary_suppression(c, rel, set(), k=10) == set()


def test_a_leak_that_no_cell_can_cover_is_an_error_not_a_silent_publish() -> None:
    c = {"total": Count(KNOWN, 9), "x": Count("x", 9)}
    with pytest.raises(DisclosureError, match=r"cannot protect.*Hint"):
        complementary_suppression(c, [{"total": 1, "x": -1}], {"x"}, k=10)


def test_small_levels_are_pooled_until_every_level_has_k_firms() -> None:
    # mining 3 + farms 4 = 7 < 10, so the smallest other level (banks, 12) joins: 19.
    assert pool_levels({"retail": 40, "mining": 3, "farms": 4, "banks": 12}, k=10) == {
        "banks": "other",
        "farms": "other",
        "mining": "other",
        "retail": "retail",
    }
    # nothing small: unchanged
    assert pool_levels({"a": 10, "b": 11}, k=10) == {"a": "a", "b": "b"}


def test_counts_round_down_to_a_multiple_of_k() -> None:
    # 687 and 684 firm-cycles (3 singleton firms apart) both publish as 680.
    assert round_counts(pd.Series([687, 684]), 10).tolist() == [680, 680]


def test_rounding_to_significant_digits_removes_last_bit_noise() -> None:
    # 0.1 + 0.2 = 0.30000000000000004 and 0.3 publish the same at 8 digits
    a = round_significant(pd.Series([0.1 + 0.2, 1234.56789012]), 8)
    b = round_significant(pd.Series([0.3, 1234.56789011]), 8)
    assert a.tolist() == b.tolist() == [0.3, 1234.5679]
