"""The duplicate-key rule as validate runs it at scale: a grouped count of the keys that
repeat, joined back, with only the rows of repeated keys ranked (econscope.contract).

The rule itself (docs/contract.md): among rows still without a reason, rows sharing a key
and equal in every value column are exact duplicates (one copy kept: the one whose
original text sorts first; the others ``duplicate_key``); rows sharing a key that differ
anywhere, a null against a value included, are all quarantined.
"""

from __future__ import annotations

import ibis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from econscope.config import EngineConfig
from econscope.contract import (
    ColumnSpec,
    TableSpec,
    apply_rules,
    cast_rules,
    check_columns,
    flag_duplicates,
    prepare,
)
from econscope.engine import connect

SPEC = TableSpec(
    "t",
    (
        ColumnSpec("id", "string"),
        ColumnSpec("day", "date"),
        ColumnSpec("amount", "float64"),
        ColumnSpec("note", "string", required=False, nullable=True),
    ),
    key=("id", "day"),
)
VALUES = ("amount", "note")


def _flagged(con, rows: dict[str, list]) -> list[tuple]:
    t = prepare(check_columns(SPEC, None, ibis.memtable(rows)))
    t = flag_duplicates(apply_rules(t, cast_rules(SPEC)), SPEC.key, VALUES)
    frame = con.execute(t.select("raw__id", "raw__day", "raw__amount", "raw__note", "reason"))
    out = [tuple(None if v is None or v != v else v for v in r) for r in frame.values]
    return sorted(out, key=lambda r: [str(v) for v in r])


def test_rows_with_an_earlier_reason_neither_count_nor_change(con):
    # Key (a, 2020-01-01): one row has amount "x" (bad_amount from the cast rules), so one
    # row is left to the duplicate rule: alone, accepted. Key (b, 2020-01-01): three rows,
    # one bad_amount; the other two differ (1 and 2): a conflict of 2 rows.
    rows = {
        "id": ["a", "a", "b", "b", "b"],
        "day": ["2020-01-01"] * 5,
        "amount": ["x", "1", "1", "2", "x"],
        "note": [None] * 5,
    }
    assert _flagged(con, rows) == [
        ("a", "2020-01-01", "1", None, None),
        ("a", "2020-01-01", "x", None, "bad_amount"),
        ("b", "2020-01-01", "1", None, "duplicate_key"),
        ("b", "2020-01-01", "2", None, "duplicate_key"),
        ("b", "2020-01-01", "x", None, "bad_amount"),
    ]


def test_conflict_message_counts_the_rows_sharing_the_key(con):
    # Three rows of key (c, 2020-01-02) left to the rule, notes "p", "q" and null: they
    # differ (a null against a value is a difference), so all three are quarantined and
    # the message counts 3 rows.
    rows = {
        "id": ["c", "c", "c"],
        "day": ["2020-01-02"] * 3,
        "amount": ["1", "1", "1"],
        "note": ["p", "q", None],
    }
    t = prepare(check_columns(SPEC, None, ibis.memtable(rows)))
    t = flag_duplicates(apply_rules(t, cast_rules(SPEC)), SPEC.key, VALUES)
    messages = set(con.execute(t.select("message")).message)
    assert messages == {
        "id 'c', day '2020-01-02' appears in 3 rows that differ; all are quarantined"
    }


def _expected(rows: dict[str, list]) -> list[tuple]:
    """The rule computed row by row in Python, for the property below."""
    n = len(rows["id"])
    recs = [tuple(rows[c][i] for c in ("id", "day", "amount", "note")) for i in range(n)]
    # Every generated id, day and amount is valid and not blank, so no row has an earlier
    # reason; amounts "1" and "1.0" are equal once cast, notes are compared as text.
    groups: dict[tuple, list[int]] = {}
    for i, r in enumerate(recs):
        groups.setdefault((r[0], r[1]), []).append(i)
    reason: list[str | None] = [None] * n
    for members in groups.values():
        if len(members) == 1:
            continue
        typed = {(float(recs[i][2]), recs[i][3] if recs[i][3] else None) for i in members}
        if len(typed) > 1:
            for i in members:
                reason[i] = "duplicate_key"
            continue

        # The copy kept sorts first on the original text, nulls last.
        def text_order(i: int) -> tuple:
            return tuple((v is None, v or "") for v in recs[i])

        for i in sorted(members, key=text_order)[1:]:
            reason[i] = "duplicate_key"
    out = [(*r, reason[i]) for i, r in enumerate(recs)]
    return sorted(out, key=lambda r: [str(v) for v in r])


_ROW = st.tuples(
    st.sampled_from(["a", "b", "c"]),
    st.sampled_from(["2020-01-01", "2020-01-02"]),
    st.sampled_from(["1", "1.0", "2"]),
    st.sampled_from([None, "p", "q"]),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_ROW, min_size=1, max_size=12))
def test_grouped_rule_equals_the_rule_row_by_row(recs):
    rows = {c: [r[i] for r in recs] for i, c in enumerate(("id", "day", "amount", "note"))}
    con = connect(EngineConfig(threads=1))
    assert _flagged(con, rows) == _expected(rows)
