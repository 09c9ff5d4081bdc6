"""Row-level faults: each fault class alone, on the clean dataset plus one bad row.

Every case checks three things: the bad row (and only it) is quarantined with the
expected reason, the other tables are untouched, and the accounting identity holds.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from econscope.smallbiz.schema import REASONS
from econscope.smallbiz.validation import validate
from test_contract_data import (
    CLEAN_ROWS,
    Table,
    accepted_rows,
    clean,
    quarantine_rows,
    reasons,
    write_csv,
)

Edit = Callable[[dict[str, Table]], None]


def _add(table: str, *row: str | None) -> Edit:
    return lambda data: data[table].add(*row) and None


# (id, edit, table, expected reasons in that table's quarantine)
SINGLE_FAULTS: list[tuple[str, Edit, str, list[str]]] = [
    ("empty category", _add("deposit_transactions", "A1", "2020-01-07", "5", None),
     "deposit_transactions", ["missing_value"]),
    ("empty account id", _add("deposit_transactions", " ", "2020-01-07", "5", "sales"),
     "deposit_transactions", ["missing_value"]),
    ("empty posted date", _add("card_transactions", "C1", None, "5", "purchase"),
     "card_transactions", ["missing_value"]),
    ("date not ISO", _add("deposit_transactions", "A1", "01/07/2020", "5", "sales"),
     "deposit_transactions", ["bad_date"]),
    ("impossible date", _add("deposit_transactions", "A1", "2020-02-30", "5", "sales"),
     "deposit_transactions", ["bad_date"]),
    ("bad optional date", _add("deposit_accounts", "A3", "F1", "2020-01-01", "soon", None),
     "deposit_accounts", ["bad_date"]),
    ("closed before opened", _add("card_accounts", "C3", "F1", "2020-05-01", "2020-04-30", None),
     "card_accounts", ["bad_date"]),
    ("empty amount", _add("deposit_transactions", "A1", "2020-01-07", None, "sales"),
     "deposit_transactions", ["bad_amount"]),
    ("amount not a number", _add("deposit_transactions", "A1", "2020-01-07", "12,50", "sales"),
     "deposit_transactions", ["bad_amount"]),
    ("amount infinite", _add("deposit_balances", "A1", "2020-01-07", "inf"),
     "deposit_balances", ["bad_amount"]),
    ("amount NaN", _add("card_statements", "C1", "2020-03-15", "NaN"),
     "card_statements", ["bad_amount"]),
    ("card amount negative", _add("card_transactions", "C1", "2020-01-11", "-5", "purchase"),
     "card_transactions", ["bad_amount"]),
    ("card amount zero", _add("card_transactions", "C1", "2020-01-11", "0", "refund"),
     "card_transactions", ["bad_amount"]),
    ("negative credit limit", _add("card_accounts", "C3", "F1", "2020-01-01", None, "-1"),
     "card_accounts", ["bad_amount"]),
    ("unknown category", _add("deposit_transactions", "A1", "2020-01-07", "5", "lottery"),
     "deposit_transactions", ["unknown_category"]),
    ("unknown kind", _add("card_transactions", "C1", "2020-01-11", "5", "gift"),
     "card_transactions", ["unknown_kind"]),
    ("identical firm twice", _add("firms", "F1", "retail", "NY"),
     "firms", ["duplicate_key"]),
    ("identical statement twice", _add("card_statements", "C1", "2020-02-15", "0.0"),
     "card_statements", ["duplicate_key"]),
    ("conflicting balances", _add("deposit_balances", "A1", "2020-01-05", "999"),
     "deposit_balances", ["duplicate_key", "duplicate_key"]),
    ("account of unknown firm", _add("deposit_accounts", "A9", "F9", "2020-01-01", None, None),
     "deposit_accounts", ["unknown_firm"]),
    ("card of unknown firm", _add("card_accounts", "C9", "F9", "2020-01-01", None, None),
     "card_accounts", ["unknown_firm"]),
    ("unknown deposit account", _add("deposit_transactions", "A9", "2020-01-07", "5", "sales"),
     "deposit_transactions", ["unknown_account"]),
    ("balance of unknown account", _add("deposit_balances", "A9", "2020-01-07", "5"),
     "deposit_balances", ["unknown_account"]),
    ("statement of unknown card", _add("card_statements", "C9", "2020-01-15", "5"),
     "card_statements", ["unknown_card"]),
    ("unknown card", _add("card_transactions", "C9", "2020-01-11", "5", "purchase"),
     "card_transactions", ["unknown_card"]),
    ("two statements one date", _add("card_statements", "C1", "2020-01-15", "75"),
     "card_statements", ["statement_out_of_order", "statement_out_of_order"]),
    ("statement before card opened", _add("card_statements", "C2", "2019-12-15", "0"),
     "card_statements", ["statement_out_of_order"]),
    ("deposit before open", _add("deposit_transactions", "A1", "2019-12-31", "5", "sales"),
     "deposit_transactions", ["outside_account_dates"]),
    ("deposit after close", _add("deposit_transactions", "A2", "2021-01-01", "5", "sales"),
     "deposit_transactions", ["outside_account_dates"]),
    ("balance after close", _add("deposit_balances", "A2", "2021-01-01", "5"),
     "deposit_balances", ["outside_account_dates"]),
    ("card purchase before open", _add("card_transactions", "C2", "2019-06-01", "5", "fee"),
     "card_transactions", ["outside_account_dates"]),
    ("firm without account", _add("firms", "F3", "retail", None),
     "firms", ["firm_without_deposit_account"]),
]  # fmt: skip


#: One case per fault class runs alone (a full validation each); every case of
#: SINGLE_FAULTS runs in test_all_fault_variants_together.
ALONE = {
    "empty category",
    "impossible date",
    "date not ISO",
    "closed before opened",
    "empty amount",
    "amount infinite",
    "card amount negative",
    "unknown category",
    "unknown kind",
    "identical firm twice",
    "conflicting balances",
    "account of unknown firm",
    "unknown deposit account",
    "unknown card",
    "two statements one date",
    "statement before card opened",
    "deposit after close",
    "card purchase before open",
    "firm without account",
}


@pytest.mark.parametrize(
    ("edit", "table", "expected"),
    [pytest.param(e, t, x, id=i) for i, e, t, x in SINGLE_FAULTS if i in ALONE],
)
def test_each_fault_alone_is_quarantined_with_its_reason(tmp_path, con, edit, table, expected):
    data = clean()
    edit(data)
    result = validate(write_csv(tmp_path / "in", data), tmp_path / "out", con=con)
    assert reasons(tmp_path / "out", table) == expected
    acc = result.accounting.set_index("table")
    for name, n in CLEAN_ROWS.items():
        # The edited table gains one input row; every clean row stays accepted, except
        # the clean twin of a conflicting duplicate, which is quarantined with it.
        rows_in = n + (name == table)
        assert acc.loc[name, "rows_in"] == rows_in
        assert acc.loc[name, "rows_quarantined"] == (len(expected) if name == table else 0)
    assert result.identity_holds


def test_every_fault_class_of_the_contract_is_covered():
    assert {r for i, *_, expected in SINGLE_FAULTS if i in ALONE for r in expected} == set(REASONS)
    assert {i for i, *_ in SINGLE_FAULTS} >= ALONE


def test_all_fault_variants_together(tmp_path, con):
    # Every bad row of SINGLE_FAULTS at once; their keys do not collide, so each table's
    # quarantine is the union of the expected reasons (a conflicting duplicate also takes
    # its clean twin, which the expected lists already count).
    data = clean()
    expected: dict[str, list[str]] = {name: [] for name in CLEAN_ROWS}
    for _, edit, table, reasons_ in SINGLE_FAULTS:
        edit(data)
        expected[table] += reasons_
    result = validate(write_csv(tmp_path / "in", data), tmp_path / "out", con=con)
    for name, want in expected.items():
        assert reasons(tmp_path / "out", name) == sorted(want), name
    assert result.identity_holds


def test_quarantine_keeps_the_original_text_with_reason_and_message(tmp_path, con):
    data = clean()
    data["deposit_transactions"].add("A1", "2020-02-30", "5.00", "rent")
    validate(write_csv(tmp_path / "in", data), tmp_path / "out", con=con)
    (row,) = quarantine_rows(tmp_path / "out", "deposit_transactions")
    assert row == {
        "account_id": "A1",
        "posted_date": "2020-02-30",
        "amount": "5.00",
        "category": "rent",
        "reason": "bad_date",
        "message": "posted_date '2020-02-30' is not a valid date (YYYY-MM-DD)",
    }


def test_first_failing_rule_wins(tmp_path, con):
    # Empty category (missing_value) precedes the bad amount and the unknown account.
    data = clean()
    data["deposit_transactions"].add("A9", "2020-01-07", "abc", None)
    data["deposit_transactions"].add("A9", "2020-01-07", "abc", "sales")  # bad_amount
    data["deposit_transactions"].add("A9", "2020-01-07", "5", "lottery")  # unknown_category
    validate(write_csv(tmp_path / "in", data), tmp_path / "out", con=con)
    assert reasons(tmp_path / "out", "deposit_transactions") == [
        "bad_amount",
        "missing_value",
        "unknown_category",
    ]


def test_card_sign_rule_message_says_the_contract(tmp_path, con):
    data = clean()
    data["card_transactions"].add("C1", "2020-01-11", "-5", "payment")
    validate(write_csv(tmp_path / "in", data), tmp_path / "out", con=con)
    (row,) = quarantine_rows(tmp_path / "out", "card_transactions")
    assert "positive magnitudes" in str(row["message"])


def test_identical_transactions_are_never_deduplicated(tmp_path, con):
    # The clean data hold two identical $100 sales of A1 on 2020-01-05: both are accepted.
    validate(write_csv(tmp_path / "in", clean()), tmp_path / "out", con=con)
    rows = accepted_rows(tmp_path / "out", "deposit_transactions")
    assert sum(r["amount"] == 100.0 and r["account_id"] == "A1" for r in rows) == 2


def test_conflicting_firm_rows_cascade_to_accounts_cards_and_their_rows(tmp_path, con):
    # F1 twice with different industries: both quarantined, so A1 and C1 have no accepted
    # firm (unknown_firm), and A1's 3 transactions, 2 balances, C1's 2 statements and
    # 2 card transactions lose their parent.
    data = clean()
    data["firms"].add("F1", "restaurants", "NY")
    result = validate(write_csv(tmp_path / "in", data), tmp_path / "out", con=con)
    out = tmp_path / "out"
    assert reasons(out, "firms") == ["duplicate_key", "duplicate_key"]
    assert reasons(out, "deposit_accounts") == ["unknown_firm"]
    assert reasons(out, "card_accounts") == ["unknown_firm"]
    assert reasons(out, "deposit_transactions") == ["unknown_account"] * 3
    assert reasons(out, "deposit_balances") == ["unknown_account"] * 2
    assert reasons(out, "card_statements") == ["unknown_card"] * 2
    assert reasons(out, "card_transactions") == ["unknown_card"] * 2
    assert result.identity_holds


def test_card_of_a_firm_without_deposit_account_is_unknown_firm(tmp_path, con):
    data = clean()
    data["firms"].add("F3", "retail", None)
    data["card_accounts"].add("C3", "F3", "2020-01-01", None, None)
    data["card_statements"].add("C3", "2020-01-15", "10")
    validate(write_csv(tmp_path / "in", data), tmp_path / "out", con=con)
    out = tmp_path / "out"
    assert reasons(out, "firms") == ["firm_without_deposit_account"]
    assert reasons(out, "card_accounts") == ["unknown_firm"]
    assert reasons(out, "card_statements") == ["unknown_card"]


def test_industry_outside_the_list_is_accepted_as_unknown(tmp_path, con):
    data = clean()
    data["firms"].add("F3", "Aerospace", None).add("F4", None, None)
    data["deposit_accounts"].add("A3", "F3", "2020-01-01", None, None)
    data["deposit_accounts"].add("A4", "F4", "2020-01-01", None, None)
    result = validate(write_csv(tmp_path / "in", data), tmp_path / "out", con=con)
    industries = {r["firm_id"]: r["industry"] for r in accepted_rows(tmp_path / "out", "firms")}
    assert industries == {"F1": "retail", "F2": "construction", "F3": "unknown", "F4": "unknown"}
    assert any("2 accepted firms have industry 'unknown'" in n for n in result.notes)


def test_categories_kinds_and_industries_match_case_and_spaces(tmp_path, con):
    data = clean()
    data["firms"].add("F3", " Health Care Services", None)
    data["deposit_accounts"].add("A3", "F3", "2020-01-01", None, None)
    data["deposit_transactions"].add("A3", "2020-01-07", "5", " Sales ")
    data["card_transactions"].add("C1", "2020-01-11", "5", "PURCHASE")
    validate(write_csv(tmp_path / "in", data), tmp_path / "out", con=con)
    out = tmp_path / "out"
    firms = {r["firm_id"]: r["industry"] for r in accepted_rows(out, "firms")}
    assert firms["F3"] == "health care services"
    assert {r["category"] for r in accepted_rows(out, "deposit_transactions")} == {
        "sales",
        "rent",
    }
    assert {r["kind"] for r in accepted_rows(out, "card_transactions")} == {
        "purchase",
        "payment",
    }


def test_categories_follow_the_settings(tmp_path, con):
    from econscope.config import Settings

    settings = Settings().with_overrides(['categories.groups.lottery="operating_inflow"'])
    data = clean()
    data["deposit_transactions"].add("A1", "2020-01-07", "5", "lottery")
    result = validate(write_csv(tmp_path / "in", data), tmp_path / "out", settings, con=con)
    assert result.rows_quarantined == 0
