"""The generic machinery of econscope.contract, on tiny in-memory tables."""

from __future__ import annotations

import ibis
import pytest

from econscope.contract import (
    ColumnSpec,
    Rule,
    Source,
    TableSpec,
    apply_rules,
    cast_rules,
    check_columns,
    flag_duplicates,
    flag_references,
    open_source,
    prepare,
    profile,
)
from econscope.errors import DataError

SPEC = TableSpec(
    "t",
    (
        ColumnSpec("id", "string"),
        ColumnSpec("day", "date"),
        ColumnSpec("amount", "float64"),
        ColumnSpec("note", "string", required=False, nullable=True),
    ),
    key=("id",),
)


def _run(con, rows: dict[str, list], *stages) -> list[tuple]:
    t = prepare(check_columns(SPEC, None, ibis.memtable(rows)))
    for stage in stages:
        t = stage(t)
    frame = con.execute(t.select("raw__id", "raw__amount", "reason"))
    rows_ = [tuple(None if v is None or v != v else v for v in r) for r in frame.values]
    return sorted(rows_, key=lambda r: [str(v) for v in r])


def test_cast_rules_first_failing_wins(con):
    rows = {
        "id": ["a", None, "c", "d"],
        "day": ["2020-01-01", "2020-02-30", "2020-02-30", "2020-01-01"],
        "amount": ["1", "x", "x", "x"],
    }
    got = _run(con, rows, lambda t: apply_rules(t, cast_rules(SPEC)))
    # b: empty id and bad date and bad amount -> missing_value (rule 1);
    # c: bad date and bad amount -> bad_date (rule 2); d: bad amount only.
    assert got == [
        (None, "x", "missing_value"),
        ("a", "1", None),
        ("c", "x", "bad_date"),
        ("d", "x", "bad_amount"),
    ]


def test_later_stages_only_see_rows_without_a_reason(con):
    always = Rule("custom", lambda t: ibis.literal(True), lambda t: ibis.literal("m"))
    rows = {"id": ["a", None], "day": ["2020-01-01"] * 2, "amount": ["1", "1"]}
    got = _run(
        con, rows, lambda t: apply_rules(t, cast_rules(SPEC)), lambda t: apply_rules(t, [always])
    )
    assert got == [(None, "1", "missing_value"), ("a", "1", "custom")]


@pytest.mark.parametrize("order", [[0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [2, 4, 0, 3, 1]])
def test_duplicates_keep_one_exact_copy_and_quarantine_every_conflict(con, order):
    # k1: "1" and "1.0" cast to the same amount: exact duplicates, one copy kept (the one
    # whose original text sorts first, "1"). k2: amounts 1 and 2 conflict: both out.
    # k3: alone. The row order of the input never changes the outcome.
    ids, amounts = ["k1", "k1", "k2", "k2", "k3"], ["1", "1.0", "1", "2", "5"]
    rows = {
        "id": [ids[i] for i in order],
        "day": ["2020-01-01"] * 5,
        "amount": [amounts[i] for i in order],
    }
    got = _run(con, rows, lambda t: flag_duplicates(t, ("id",), ("day", "amount", "note")))
    assert got == [
        ("k1", "1", None),
        ("k1", "1.0", "duplicate_key"),
        ("k2", "1", "duplicate_key"),
        ("k2", "2", "duplicate_key"),
        ("k3", "5", None),
    ]


def test_references_match_accepted_parents_and_carry_columns(con):
    parent = ibis.memtable({"pid": ["a"], "opened": ["2020-01-01"]})
    rows = {"id": ["a", "b"], "day": ["2020-01-01"] * 2, "amount": ["1", "2"]}
    t = prepare(check_columns(SPEC, None, ibis.memtable(rows)))
    t = flag_references(
        t,
        parent,
        {"id": "pid"},
        reason="unknown_parent",
        message="is unknown",
        carry={"o": "opened"},
    )
    frame = con.execute(t.select("id", "o", "reason", "message").order_by("id"))
    assert frame.fillna("-").values.tolist() == [
        ["a", "2020-01-01", "-", "-"],
        ["b", "-", "unknown_parent", "id 'b' is unknown"],
    ]


def test_missing_optional_column_is_typed_null_and_extras_are_listed():
    source = check_columns(
        SPEC, None, ibis.memtable({"id": ["a"], "day": ["x"], "amount": ["1"], "zz": [1]})
    )
    assert source.absent == ("note",)
    assert source.extra == ("zz",)
    assert prepare(source).schema()["note"] == ibis.dtype("string")


def test_header_only_csv_has_zero_rows(tmp_path, con):
    (tmp_path / "t.csv").write_text("id,day,amount\n")
    source = open_source(con, SPEC, tmp_path / "t.csv")
    assert profile(con, source, prepare(source)) == 0


def test_profile_rejects_a_column_where_nothing_casts(con):
    source = Source(SPEC, None, ibis.memtable({"id": ["a"], "day": ["x"], "amount": ["1"]}))
    with pytest.raises(DataError, match="column 'day': cannot be cast to date"):
        profile(con, source, prepare(source))


def test_table_spec_rejects_an_unknown_key():
    with pytest.raises(ValueError, match="unknown key"):
        TableSpec("t", (ColumnSpec("a", "string"),), key=("b",))
