"""Economies inputs: a number is read exactly or not at all (issue 13 item 2)."""

from __future__ import annotations

import ibis
import pytest

from econscope.economies.readers._common import parse_number

CASES = [
    # text, plain, with thousands; None = rejected (the row is quarantined as non_numeric)
    ("1", 1.0, 1.0),
    (" -2.5 ", -2.5, -2.5),
    ("1e3", 1000.0, 1000.0),
    (".5", 0.5, 0.5),
    ("1,234", None, 1234.0),
    ("1,234.5", None, 1234.5),
    ("1,23", None, None),  # a truncated "1,234": never 123
    ("1.2.3", None, None),
    ("12a", None, None),
    ("inf", None, None),
    ("-Infinity", None, None),
    ("nan", None, None),
    ("", None, None),
]


@pytest.mark.parametrize(("text", "plain", "grouped"), CASES)
def test_numbers_parse_exactly_or_are_rejected(duckdb_con, text, plain, grouped) -> None:
    t = ibis.memtable({"x": [text]})
    row = duckdb_con.execute(
        t.select(a=parse_number(t.x), b=parse_number(t.x, thousands=True))
    ).iloc[0]
    for got, want in ((row["a"], plain), (row["b"], grouped)):
        assert (got != got) if want is None else got == want  # NaN marks a rejected value
