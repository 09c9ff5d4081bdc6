"""Row-level fault injection: corrupted copies of clean rows, one reason code each.

Every injected row is an extra row (the clean rows stay as they are), so a validator that
quarantines exactly the injected rows accepts exactly the clean bank. A fault row carries
one fault only: rows that are not meant to be duplicates get a fresh identifier (an
account, card or firm that exists nowhere else), so they are never also duplicate keys.
The precedence this assumes is the natural one: row-level checks (missing_value,
bad_date, bad_amount, unknown_category, unknown_kind) before duplicate keys, before
references (unknown_*, outside_account_dates, statement_out_of_order), before
firm_without_deposit_account.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from econscope.smallbiz.sim import ids

#: The reason codes the injector produces, per contract table.
INJECTED_REASONS: dict[str, tuple[str, ...]] = {
    "firms": ("missing_value", "bad_date", "duplicate_key", "firm_without_deposit_account"),
    "deposit_accounts": (
        "missing_value",
        "bad_date",
        "bad_amount",
        "duplicate_key",
        "unknown_firm",
    ),
    "deposit_transactions": (
        "missing_value",
        "bad_date",
        "bad_amount",
        "unknown_category",
        "unknown_account",
        "outside_account_dates",
    ),
    "deposit_balances": (
        "missing_value",
        "bad_date",
        "bad_amount",
        "duplicate_key",
        "unknown_account",
        "outside_account_dates",
    ),
    "card_accounts": ("missing_value", "bad_date", "bad_amount", "duplicate_key", "unknown_firm"),
    "card_statements": (
        "missing_value",
        "bad_date",
        "bad_amount",
        "unknown_card",
        "statement_out_of_order",
    ),
    "card_transactions": (
        "missing_value",
        "bad_date",
        "bad_amount",
        "unknown_kind",
        "unknown_card",
        "outside_account_dates",
    ),
}

# (key column, the column made empty for missing_value, date column, amount column)
_COLUMNS: dict[str, tuple[str, str, str, str | None]] = {
    "firms": ("firm_id", "firm_id", "first_seen", None),
    "deposit_accounts": ("account_id", "firm_id", "open_date", "opening_balance"),
    "deposit_transactions": ("account_id", "category", "posted_date", "amount"),
    "deposit_balances": ("account_id", "account_id", "date", "balance"),
    "card_accounts": ("card_id", "firm_id", "open_date", "credit_limit"),
    "card_statements": ("card_id", "card_id", "statement_date", "statement_balance"),
    "card_transactions": ("card_id", "kind", "posted_date", "amount"),
}
_BAD_DATES = ("2015-02-30", "not-a-date", "2019-13-01", "31/12/20x9")
_BAD_AMOUNTS = ("abc", "NaN", "inf", "")
_FRESH_KEY = {"bad_date", "bad_amount", "missing_value", "unknown_firm"}
_NULLABLE_AMOUNT = {"deposit_accounts", "card_accounts"}
_KEYED_BY_DATE = {"deposit_balances", "card_statements"}
_ENTITY_TABLES = {"firms", "deposit_accounts", "card_accounts"}

FAULT_SCHEMA = pa.schema(
    [("table", pa.string()), ("row", pa.int64()), ("key", pa.string()), ("reason", pa.string())]
)


def as_text(table: pa.Table) -> pa.Table:
    """Every column cast to string (dates ISO, numbers in shortest round-trip form)."""
    return pa.table({name: pc.cast(table[name], pa.string()) for name in table.column_names})


class Injector:
    """Adds faulty rows to each chunk's tables (as text) and records every one of them."""

    def __init__(self, share: float, seed: int, chunk: int, rng: np.random.Generator) -> None:
        self.share, self.seed, self.chunk, self.rng = share, seed, chunk, rng
        self._fresh = 0

    def _fake(self, k: int) -> np.ndarray:
        start = (self.chunk << 32) + self._fresh
        self._fresh += k
        return np.array(ids.tokens(self.seed, ids.FAKE, np.arange(start, start + k)), dtype=object)

    def inject(
        self, name: str, clean: pa.Table, open_dates: Callable[[pa.Array], np.ndarray]
    ) -> tuple[pa.Table, list[tuple[str, str]]]:
        """``clean`` as text with faulty rows appended; returns (table, [(key, reason)]).

        ``open_dates(ids)`` gives the open day (days since epoch) of each referenced
        account or card, for faults dated before the opening.
        """
        text = as_text(clean)
        n = clean.num_rows
        if n == 0:
            return text, []
        key_col, empty_col, date_col, amount_col = _COLUMNS[name]
        parts = [text]
        records: list[tuple[str, str]] = []
        for reason in INJECTED_REASONS[name]:
            # share x n rows, the fraction rounded up or down at random: the count is
            # within one row of its expectation in every chunk.
            expected = self.share * n
            k = int(expected) + int(self.rng.random() < expected - int(expected))
            if k == 0:
                continue
            src = self.rng.integers(0, n, k)
            cols = {
                c: np.array(text[c].take(pa.array(src)).to_pylist(), dtype=object)
                for c in text.column_names
            }
            if name in _ENTITY_TABLES and reason in _FRESH_KEY:
                cols[key_col] = self._fake(k)
            if reason == "missing_value":
                cols[empty_col] = np.where(self.rng.random(k) < 0.5, "", None)
            elif reason == "bad_date":
                cols[date_col] = self.rng.choice(np.array(_BAD_DATES, dtype=object), k)
            elif reason == "bad_amount":
                # An empty value is a bad amount only where the contract requires one;
                # opening_balance and credit_limit may be empty (null), so never there.
                choices = _BAD_AMOUNTS if name not in _NULLABLE_AMOUNT else _BAD_AMOUNTS[:-1]
                bad = self.rng.choice(np.array(choices, dtype=object), k)
                cols[str(amount_col)] = np.where(bad == "", None, bad)
            elif reason == "unknown_category":
                cols["category"] = np.full(k, "misc_transfer", dtype=object)
            elif reason == "unknown_kind":
                cols["kind"] = np.full(k, "chargeback", dtype=object)
            elif reason in ("unknown_account", "unknown_card"):
                cols[key_col] = self._fake(k)
            elif reason in ("unknown_firm", "firm_without_deposit_account"):
                cols["firm_id"] = self._fake(k)
            elif reason in ("outside_account_dates", "statement_out_of_order"):
                opened = open_dates(clean[key_col].take(pa.array(src)))
                before = opened - self.rng.integers(1, 400, k)
                if name in _KEYED_BY_DATE:
                    # Two injected rows on the same (id, date) would also be duplicate
                    # keys: move the later ones further back until every row has one fault.
                    keys = cols[key_col].astype(str)
                    for _ in range(64):
                        _, first = np.unique(
                            np.char.add(keys, before.astype(str)), return_index=True
                        )
                        again = np.ones(k, dtype=bool)
                        again[first] = False
                        if not again.any():
                            break
                        before[again] -= self.rng.integers(400, 800, int(again.sum()))
                cols[date_col] = np.array(
                    [str(d) for d in before.astype("datetime64[D]")], dtype=object
                )
            # duplicate_key: an exact copy of the source row.
            parts.append(pa.table({c: pa.array(v, type=pa.string()) for c, v in cols.items()}))
            keys = cols[key_col]
            records += [("" if v is None else str(v), reason) for v in keys]
        return pa.concat_tables(parts), records
