"""The smallbiz input contract: seven tables, their columns and types, and reason codes.

These specs are the accepted (validated) schemas every later stage reads, and the
reason codes are shared with the simulator's fault injector. See ``docs/contract.md``.

>>> SCHEMAS["deposit_transactions"].names
('account_id', 'posted_date', 'amount', 'category')
>>> [t.name for t in TABLE_ORDER if not t.required]
['deposit_balances']
>>> REASONS[:3]
('missing_value', 'bad_date', 'bad_amount')
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Literal

from econscope.contract import ColumnSpec, TableSpec

__all__ = [
    "CARD_ACCOUNTS",
    "CARD_STATEMENTS",
    "CARD_TRANSACTIONS",
    "DEPOSIT_ACCOUNTS",
    "DEPOSIT_BALANCES",
    "DEPOSIT_TRANSACTIONS",
    "FIRMS",
    "REASONS",
    "REASON_DESCRIPTIONS",
    "SCHEMAS",
    "TABLE_ORDER",
    "UNKNOWN_INDUSTRY",
    "Reason",
]

#: Industry given to firms whose industry is empty or not in ``Settings.industries``.
UNKNOWN_INDUSTRY = "unknown"

Reason = Literal[
    "missing_value",
    "bad_date",
    "bad_amount",
    "unknown_category",
    "unknown_kind",
    "duplicate_key",
    "unknown_firm",
    "unknown_account",
    "unknown_card",
    "statement_out_of_order",
    "outside_account_dates",
    "firm_without_deposit_account",
]

#: Every quarantine reason, in the order the validator checks them (first failing wins).
REASONS: tuple[Reason, ...] = (
    "missing_value",
    "bad_date",
    "bad_amount",
    "unknown_category",
    "unknown_kind",
    "duplicate_key",
    "unknown_firm",
    "unknown_account",
    "unknown_card",
    "statement_out_of_order",
    "outside_account_dates",
    "firm_without_deposit_account",
)

REASON_DESCRIPTIONS: MappingProxyType[str, str] = MappingProxyType(
    {
        "missing_value": "a required id, date, category or kind is null or empty",
        "bad_date": "a date that does not parse or cannot exist (2021-02-30), or an "
        "account or card closed before it opened",
        "bad_amount": "an amount that is empty (where required), not a number or not "
        "finite; a card amount that is not positive; a negative credit limit",
        "unknown_category": "a deposit category that is not a key of categories.groups",
        "unknown_kind": "a card transaction kind outside purchase, payment, refund, fee, "
        "interest, cash_advance",
        "duplicate_key": "a second copy of an identical keyed row (one copy is kept), or "
        "rows sharing a key that differ (all are quarantined)",
        "unknown_firm": "an account or card whose firm_id is not an accepted firm",
        "unknown_account": "a deposit transaction or balance whose account_id is not an "
        "accepted deposit account",
        "unknown_card": "a card statement or transaction whose card_id is not an accepted "
        "card account",
        "statement_out_of_order": "statements of one card on the same date with different "
        "balances, or a statement dated outside the card's open and close dates",
        "outside_account_dates": "a transaction or balance dated before its account or card "
        "opened or after it closed",
        "firm_without_deposit_account": "a firm with no accepted deposit account",
    }
)

FIRMS = TableSpec(
    "firms",
    (
        ColumnSpec("firm_id", "string", description="opaque firm identifier"),
        ColumnSpec(
            "industry",
            "string",
            nullable=True,
            description="one of settings.industries; anything else is kept as 'unknown'",
        ),
        ColumnSpec("region", "string", required=False, nullable=True),
        ColumnSpec("first_seen", "date", required=False, nullable=True),
    ),
    key=("firm_id",),
    description="one row per firm",
)

DEPOSIT_ACCOUNTS = TableSpec(
    "deposit_accounts",
    (
        ColumnSpec("account_id", "string"),
        ColumnSpec("firm_id", "string"),
        ColumnSpec("open_date", "date"),
        ColumnSpec("close_date", "date", required=False, nullable=True),
        ColumnSpec(
            "opening_balance",
            "float64",
            required=False,
            nullable=True,
            description="balance at open_date in dollars; empty means 0",
        ),
    ),
    key=("account_id",),
    description="one row per business deposit account",
)

DEPOSIT_TRANSACTIONS = TableSpec(
    "deposit_transactions",
    (
        ColumnSpec("account_id", "string"),
        ColumnSpec("posted_date", "date"),
        ColumnSpec("amount", "float64", description="dollars; > 0 inflow, < 0 outflow"),
        ColumnSpec("category", "string", description="a key of settings.categories.groups"),
    ),
    description="one row per deposit transaction (never deduplicated)",
)

DEPOSIT_BALANCES = TableSpec(
    "deposit_balances",
    (
        ColumnSpec("account_id", "string"),
        ColumnSpec("date", "date"),
        ColumnSpec("balance", "float64", description="end-of-day balance in dollars"),
    ),
    key=("account_id", "date"),
    required=False,
    description="optional: end-of-day balances (else rebuilt from transactions)",
)

CARD_ACCOUNTS = TableSpec(
    "card_accounts",
    (
        ColumnSpec("card_id", "string"),
        ColumnSpec("firm_id", "string"),
        ColumnSpec("open_date", "date"),
        ColumnSpec("close_date", "date", required=False, nullable=True),
        ColumnSpec("credit_limit", "float64", required=False, nullable=True),
    ),
    key=("card_id",),
    description="one row per business credit card",
)

CARD_STATEMENTS = TableSpec(
    "card_statements",
    (
        ColumnSpec("card_id", "string"),
        ColumnSpec("statement_date", "date", description="ends a billing cycle"),
        ColumnSpec("statement_balance", "float64"),
    ),
    key=("card_id", "statement_date"),
    description="one row per card statement",
)

CARD_TRANSACTIONS = TableSpec(
    "card_transactions",
    (
        ColumnSpec("card_id", "string"),
        ColumnSpec("posted_date", "date"),
        ColumnSpec("amount", "float64", description="a positive magnitude in dollars"),
        ColumnSpec("kind", "string", description="purchase, payment, refund, fee, ..."),
    ),
    description="one row per card transaction (never deduplicated)",
)

#: The tables in the order they are validated: parents before the tables that refer to
#: them, so references are checked against accepted rows in one acyclic pass.
TABLE_ORDER: tuple[TableSpec, ...] = (
    FIRMS,
    DEPOSIT_ACCOUNTS,
    CARD_ACCOUNTS,
    DEPOSIT_TRANSACTIONS,
    DEPOSIT_BALANCES,
    CARD_STATEMENTS,
    CARD_TRANSACTIONS,
)

SCHEMAS: MappingProxyType[str, TableSpec] = MappingProxyType({t.name: t for t in TABLE_ORDER})
