"""Validate a folder of smallbiz input tables into accepted tables and a quarantine.

``validate(data_dir, out_dir)`` reads the seven tables of the input contract
(:mod:`econscope.smallbiz.schema`), stops with a :class:`~econscope.errors.DataError` on a
table-level fault (a required table or column missing, an unreadable file, a column that
cannot be cast), and otherwise writes into ``out_dir``:

- ``<table>.parquet``: the accepted rows, typed as the shared accepted schema;
- ``quarantine/<table>.parquet``: every other row, with its original values as text, a
  ``reason`` code and a ``message``;
- ``accounting.csv`` (table, rows_in, rows_accepted, rows_quarantined, notes) and
  ``quarantine_summary.csv`` (table, reason, rows);
- ``manifest.json``, last. A rerun with the same inputs and settings reuses the outputs.

Rows are never dropped: for every table rows_in == rows_accepted + rows_quarantined,
checked against the files written.

Tables are validated parents first, and references are checked against *accepted*
parents, so a quarantine cascades down in one acyclic pass:

1. firms (row rules, duplicate keys);
2. deposit_accounts, against the firms of step 1;
3. firms without an accepted deposit account are quarantined
   (``firm_without_deposit_account``); the rest are the accepted firms;
4. card_accounts, against the accepted firms (a card of a firm quarantined in step 3 is
   ``unknown_firm``);
5. deposit_transactions and deposit_balances against accepted deposit accounts;
   card_statements and card_transactions against accepted cards.

A deposit account's firm is always accepted (step 3 can only quarantine firms that have no
accepted account), so no step has to be revisited.

>>> import tempfile, pathlib
>>> from econscope.smallbiz.schema import TABLE_ORDER
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> files = {
...     "firms": "firm_id,industry\\nF1,retail\\n",
...     "deposit_accounts": "account_id,firm_id,open_date\\nA1,F1,2020-01-01\\n",
...     "deposit_transactions": "account_id,posted_date,amount,category\\n"
...     "A1,2020-01-05,100,sales\\nA1,2020-02-30,5,rent\\n",
...     "card_accounts": "card_id,firm_id,open_date\\nC1,F1,2020-01-01\\n",
...     "card_statements": "card_id,statement_date,statement_balance\\nC1,2020-01-15,50\\n",
...     "card_transactions": "card_id,posted_date,amount,kind\\nC1,2020-01-10,50,purchase\\n",
... }
>>> for name, body in files.items():
...     _ = (d / f"{name}.csv").write_text(body)
>>> result = validate(d, d / "validated")
>>> result.quarantine_summary.values.tolist()
[['deposit_transactions', 'bad_date', 1]]
>>> result.identity_holds
True
"""

from __future__ import annotations

import shutil
import uuid
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

import ibis
import ibis.expr.types as ir
import pandas as pd

from econscope.config import CARD_KINDS, Settings
from econscope.contract import (
    REASON,
    Rule,
    Source,
    SplitCounts,
    TableSpec,
    apply_rules,
    cast_rules,
    check_identity,
    flag_duplicates,
    flag_references,
    locate,
    materialize,
    open_source,
    prepare,
    profile,
    quote,
    raw,
    split,
    text,
)
from econscope.engine import Backend, atomic_path, connect, find_table_file, resource_errors
from econscope.errors import ConfigError, EconscopeWarning, StageError
from econscope.smallbiz.pseudonyms import ID_MAP_FILE, pseudonymise
from econscope.smallbiz.reconcile import RECONCILIATION_FILE, reconcile
from econscope.smallbiz.schema import (
    CARD_ACCOUNTS,
    CARD_STATEMENTS,
    CARD_TRANSACTIONS,
    DEPOSIT_ACCOUNTS,
    DEPOSIT_BALANCES,
    DEPOSIT_TRANSACTIONS,
    FIRMS,
    SCHEMAS,
    TABLE_ORDER,
    UNKNOWN_INDUSTRY,
)
from econscope.stages import MANIFEST_NAME, StageOutput, run_stage

__all__ = ["ACCOUNTING_COLUMNS", "SUMMARY_COLUMNS", "ValidationResult", "validate"]

#: Version of the validation rules; part of the manifest key (a rule change reruns).
CONTRACT_VERSION = 2  # 2: surrogate keys, id map, reconciliation

ACCOUNTING_COLUMNS: tuple[str, ...] = (
    "table",
    "rows_in",
    "rows_accepted",
    "rows_quarantined",
    "notes",
)
SUMMARY_COLUMNS: tuple[str, ...] = ("table", "reason", "rows")

#: The order of tables in the accounting (DESIGN.md's order).
_REPORT_ORDER: tuple[str, ...] = (
    "firms",
    "deposit_accounts",
    "deposit_transactions",
    "deposit_balances",
    "card_accounts",
    "card_statements",
    "card_transactions",
)

_OPEN, _CLOSE = "_parent_open", "_parent_close"


@dataclass(frozen=True)
class ValidationResult:
    """What :func:`validate` wrote.

    ``accounting`` has one row per contract table (:data:`ACCOUNTING_COLUMNS`);
    ``quarantine_summary`` one row per table and reason with rows > 0. ``tables`` and
    ``quarantine`` map each table present in the input to its accepted and quarantine
    Parquet files. ``reused`` is true when a previous run's outputs were kept.
    """

    out_dir: Path
    accounting: pd.DataFrame
    quarantine_summary: pd.DataFrame
    tables: Mapping[str, Path]
    quarantine: Mapping[str, Path]
    manifest: Path
    reused: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def identity_holds(self) -> bool:
        """rows_in == rows_accepted + rows_quarantined for every table."""
        a = self.accounting
        return bool((a.rows_in == a.rows_accepted + a.rows_quarantined).all())

    @property
    def rows_quarantined(self) -> int:
        """Quarantined rows over all tables."""
        return int(self.accounting.rows_quarantined.sum())


# -- rules specific to the smallbiz contract -------------------------------------------


def _canonical(value: ir.StringValue, names: Sequence[str]) -> ir.StringValue:
    """``value`` trimmed and matched case-insensitively to ``names``; null when no match."""
    folded = value.strip().lower()
    pairs = [(folded == name.strip().lower(), ibis.literal(name)) for name in names]
    if not pairs:
        return ibis.null("string")
    return ibis.cases(*pairs, else_=ibis.null("string"))


def _unknown_value(column: str, reason: str, allowed: str) -> Rule:
    return Rule(
        reason,
        lambda t: t[column].isnull() & (raw(t, column).strip() != ""),
        lambda t: ibis.literal(f"{column} ").concat(
            quote(raw(t, column)), f" is not one of {allowed}"
        ),
    )


def _close_before_open() -> Rule:
    return Rule(
        "bad_date",
        lambda t: t.close_date < t.open_date,
        lambda t: ibis.literal("close_date ").concat(
            text(t.close_date), " is before open_date ", text(t.open_date)
        ),
    )


def _negative(column: str) -> Rule:
    return Rule(
        "bad_amount",
        lambda t: t[column] < 0,
        lambda t: ibis.literal(f"{column} ").concat(quote(raw(t, column)), " is negative"),
    )


def _not_positive(column: str) -> Rule:
    return Rule(
        "bad_amount",
        lambda t: t[column] <= 0,
        lambda t: ibis.literal(f"{column} ").concat(
            quote(raw(t, column)),
            " is not positive: card amounts are positive magnitudes and kind says whether "
            "the transaction is a debit or a credit",
        ),
    )


def _outside(column: str, reason: str, what: str) -> Rule:
    def before(t: ir.Table) -> ir.BooleanValue:
        return t[column] < t[_OPEN]

    return Rule(
        reason,
        lambda t: before(t) | (t[_CLOSE].notnull() & (t[column] > t[_CLOSE])),
        lambda t: ibis.literal(f"{column} ").concat(
            text(t[column]),
            ibis.ifelse(
                before(t),
                ibis.literal(f" is before the {what} opened (").concat(text(t[_OPEN]), ")"),
                ibis.literal(f" is after the {what} closed (").concat(text(t[_CLOSE]), ")"),
            ),
        ),
    )


def _values(spec: TableSpec) -> list[str]:
    return [c for c in spec.names if c not in spec.key]


_DATES = {_OPEN: "open_date", _CLOSE: "close_date"}
# key -> (the parent as messages name it, as date messages name it, reason)
_PARENTS = {
    "account_id": ("deposit account", "account", "unknown_account"),
    "card_id": ("card account", "card", "unknown_card"),
}


def _within(t: ir.Table, parent: ir.Table, key: str, date: str, outside_reason: str) -> ir.Table:
    """Rows of an accepted account or card, dated within its open and close dates."""
    name, short, reason = _PARENTS[key]
    t = flag_references(
        t,
        parent,
        {key: key},
        reason=reason,
        message=f"is not an accepted {name}",
        carry=_DATES,
    )
    return apply_rules(t, [_outside(date, outside_reason, short)])


# -- the run ---------------------------------------------------------------------------


@dataclass
class _Run:
    """One validation run: the engine, the folders, and what each table produced."""

    con: Backend
    settings: Settings
    paths: Mapping[str, Path | None]
    out_dir: Path
    stage_dir: Path
    rows_in: dict[str, int] = field(default_factory=dict)
    counts: dict[str, SplitCounts] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    progress: Callable[[str], None] | None = None  # told each table's name once written

    def open(self, spec: TableSpec) -> ir.Table | None:
        """The prepared table of ``spec`` (None for an absent optional table)."""
        path = self.paths.get(spec.name)
        if path is None:
            self.notes[spec.name] = ["optional table absent"]
            return None
        source = open_source(self.con, spec, path)
        prepared = prepare(source)
        self.rows_in[spec.name] = profile(self.con, source, prepared)
        self.sources[spec.name] = source
        notes = self.notes.setdefault(spec.name, [])
        if source.absent:
            notes.append(f"optional columns absent, filled with nulls: {', '.join(source.absent)}")
        if source.extra:
            notes.append(
                f"columns outside the contract, kept only in the quarantine: "
                f"{', '.join(source.extra)}"
            )
        return prepared

    def require(self, spec: TableSpec) -> ir.Table:
        """The prepared table of a required ``spec`` (:func:`locate` has found it)."""
        prepared = self.open(spec)
        if prepared is None:
            raise StageError(f"{spec.name}: required table was not located")
        return prepared

    def stage(self, name: str, expr: ir.Table) -> ir.Table:
        return materialize(self.con, expr, self.stage_dir / f"{name}_{uuid.uuid4().hex[:8]}.pq")

    def finish(self, name: str, staged: ir.Table) -> ir.Table:
        counts = split(
            self.con,
            staged,
            self.sources[name],
            accepted_path=self.out_dir / f"{name}.parquet",
            quarantine_path=self.out_dir / "quarantine" / f"{name}.parquet",
        )
        check_identity(name, self.rows_in[name], counts)
        self.counts[name] = counts
        if self.progress is not None:
            self.progress(name)
        return staged.filter(staged[REASON].isnull())

    def accepted(self, t: ir.Table) -> ir.Table:
        return t.filter(t[REASON].isnull())

    def run(self) -> None:
        industries = tuple(self.settings.industries)

        # 1. firms: row rules and duplicate keys (the deposit-account rule comes in step 3).
        t = self.require(FIRMS)
        t = t.mutate(
            industry=_canonical(raw(t, "industry"), industries).fill_null(UNKNOWN_INDUSTRY)
        )
        t = apply_rules(t, cast_rules(FIRMS))
        firms1 = self.stage("firms", flag_duplicates(t, FIRMS.key, _values(FIRMS)))

        # 2. deposit accounts against the firms of step 1.
        t = self.require(DEPOSIT_ACCOUNTS)
        t = apply_rules(t, [*cast_rules(DEPOSIT_ACCOUNTS), _close_before_open()])
        t = flag_duplicates(t, DEPOSIT_ACCOUNTS.key, _values(DEPOSIT_ACCOUNTS))
        t = flag_references(
            t,
            self.accepted(firms1),
            {"firm_id": "firm_id"},
            reason="unknown_firm",
            message="is not an accepted firm",
        )
        accounts = self.finish("deposit_accounts", self.stage("deposit_accounts", t))

        # 3. firms without an accepted deposit account.
        holders = accounts.select("firm_id").distinct()
        firms2 = flag_references(
            firms1,
            holders,
            {"firm_id": "firm_id"},
            reason="firm_without_deposit_account",
            message="has no accepted deposit account",
        )
        firms2 = self.stage("firms", firms2)
        firms = self.finish("firms", firms2)
        unknown = int(self.con.execute(firms.count(where=firms.industry == UNKNOWN_INDUSTRY)))
        if unknown:
            self.notes["firms"].append(
                f"{unknown} accepted firms have industry '{UNKNOWN_INDUSTRY}' "
                "(empty or not in settings.industries)"
            )

        self._deposits(accounts)
        if self.paths.get("card_accounts") is None:  # a bank without cards: deposit-only
            for spec in _CARD_SPECS:
                self.notes[spec.name] = ["no card tables: a deposit-only run"]
            return
        self._cards(firms)

    def _deposits(self, accounts: ir.Table) -> None:
        categories = tuple(self.settings.categories.groups)
        # 5a. deposit transactions (never deduplicated).
        t = self.require(DEPOSIT_TRANSACTIONS)
        t = t.mutate(category=_canonical(raw(t, "category"), categories))
        t = apply_rules(
            t,
            [
                *cast_rules(DEPOSIT_TRANSACTIONS),
                _unknown_value("category", "unknown_category", "the keys of categories.groups"),
            ],
        )
        t = _within(t, accounts, "account_id", "posted_date", "outside_account_dates")
        # Not staged: no window and no child table reads it, so the split's three passes
        # (accepted, quarantine, counts) re-run a scan and a join with the small accounts
        # table, cheaper than writing and re-reading every raw and typed column once more.
        self.finish("deposit_transactions", t)

        # 5b. deposit balances (optional).
        balances = self.open(DEPOSIT_BALANCES)
        if balances is not None:
            t = balances
            t = apply_rules(t, cast_rules(DEPOSIT_BALANCES))
            t = flag_duplicates(t, DEPOSIT_BALANCES.key, _values(DEPOSIT_BALANCES))
            t = _within(t, accounts, "account_id", "date", "outside_account_dates")
            self.finish("deposit_balances", self.stage("deposit_balances", t))

    def _cards(self, firms: ir.Table) -> None:
        # 4. card accounts against the accepted firms.
        t = self.require(CARD_ACCOUNTS)
        t = apply_rules(
            t, [*cast_rules(CARD_ACCOUNTS), _close_before_open(), _negative("credit_limit")]
        )
        t = flag_duplicates(t, CARD_ACCOUNTS.key, _values(CARD_ACCOUNTS))
        t = flag_references(
            t,
            firms,
            {"firm_id": "firm_id"},
            reason="unknown_firm",
            message="is not an accepted firm",
        )
        cards = self.finish("card_accounts", self.stage("card_accounts", t))

        # 5c. card statements.
        t = self.require(CARD_STATEMENTS)
        t = apply_rules(t, cast_rules(CARD_STATEMENTS))
        t = flag_duplicates(
            t,
            CARD_STATEMENTS.key,
            _values(CARD_STATEMENTS),
            conflict_reason="statement_out_of_order",
            conflict_message=lambda t: ibis.literal("card_id ").concat(
                quote(t.card_id),
                " has ",
                t._n.cast("string"),
                " statements dated ",
                text(t.statement_date),
                " with different balances; all are quarantined",
            ),
        )
        t = _within(t, cards, "card_id", "statement_date", "statement_out_of_order")
        self.finish("card_statements", self.stage("card_statements", t))

        # 5d. card transactions (never deduplicated).
        t = self.require(CARD_TRANSACTIONS)
        t = t.mutate(kind=_canonical(raw(t, "kind"), CARD_KINDS))
        t = apply_rules(
            t,
            [
                *cast_rules(CARD_TRANSACTIONS),
                _not_positive("amount"),
                _unknown_value("kind", "unknown_kind", ", ".join(CARD_KINDS)),
            ],
        )
        t = _within(t, cards, "card_id", "posted_date", "outside_account_dates")
        self.finish("card_transactions", t)  # not staged, as deposit_transactions

    def accounting(self) -> pd.DataFrame:
        rows = []
        for name in _REPORT_ORDER:
            counts = self.counts.get(name)
            rows.append(
                {
                    "table": name,
                    "rows_in": self.rows_in.get(name, 0),
                    "rows_accepted": counts.rows_accepted if counts else 0,
                    "rows_quarantined": counts.rows_quarantined if counts else 0,
                    "notes": "; ".join(self.notes.get(name, [])),
                }
            )
        return pd.DataFrame(rows, columns=list(ACCOUNTING_COLUMNS))

    def summary(self) -> pd.DataFrame:
        rows = [
            {"table": name, "reason": reason, "rows": n}
            for name in _REPORT_ORDER
            if name in self.counts
            for reason, n in self.counts[name].reasons.items()
        ]
        return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


# -- public ----------------------------------------------------------------------------


def _outputs(out_dir: Path, names: Sequence[str]) -> list[str]:
    files = [f"{n}.parquet" for n in names] + [f"quarantine/{n}.parquet" for n in names]
    return [*files, "accounting.csv", "quarantine_summary.csv"]


def _clear(out_dir: Path) -> None:
    """Remove a previous run's manifest and table files (a table may have gone away)."""
    (out_dir / MANIFEST_NAME).unlink(missing_ok=True)
    (out_dir / ID_MAP_FILE).unlink(missing_ok=True)
    for name in SCHEMAS:
        (out_dir / f"{name}.parquet").unlink(missing_ok=True)
        (out_dir / "quarantine" / f"{name}.parquet").unlink(missing_ok=True)


def _files(path: Path) -> list[Path]:
    return [f for f in path.rglob("*") if f.is_file()] if path.is_dir() else [path]


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)


def _notes(accounting: pd.DataFrame) -> tuple[str, ...]:
    return tuple(
        f"{row.table}: {note}"
        for row in accounting.itertuples()
        if isinstance(row.notes, str)
        for note in row.notes.split("; ")
        if note
    )


def _load(out_dir: Path, present: Sequence[str], *, reused: bool) -> ValidationResult:
    accounting = pd.read_csv(
        out_dir / "accounting.csv", dtype={"table": "string", "notes": "string"}
    )
    accounting["notes"] = accounting["notes"].fillna("")
    summary = pd.read_csv(out_dir / "quarantine_summary.csv", dtype={"table": str, "reason": str})
    return ValidationResult(
        out_dir=out_dir,
        accounting=accounting,
        quarantine_summary=summary,
        tables=MappingProxyType({n: out_dir / f"{n}.parquet" for n in present}),
        quarantine=MappingProxyType({n: out_dir / "quarantine" / f"{n}.parquet" for n in present}),
        manifest=out_dir / MANIFEST_NAME,
        reused=reused,
        notes=_notes(accounting),
    )


_CARD_SPECS = (CARD_ACCOUNTS, CARD_STATEMENTS, CARD_TRANSACTIONS)


def _specs(data_dir: Path) -> list[TableSpec]:
    """The contract tables to locate: the card tables are required together, or absent
    together (a bank without cards: deposit-only)."""
    if not data_dir.is_dir() or any(find_table_file(data_dir, s.name) for s in _CARD_SPECS):
        return list(TABLE_ORDER)
    return [replace(s, required=False) if s in _CARD_SPECS else s for s in TABLE_ORDER]


def validate(
    data_dir: str | Path,
    out_dir: str | Path,
    settings: Settings | None = None,
    *,
    con: Backend | None = None,
    progress: Callable[[str], None] | None = None,
) -> ValidationResult:
    """Validate the input tables in ``data_dir`` into ``out_dir`` (a run's ``validated/``).

    Each table is ``<name>.parquet``, ``<name>.csv`` or a folder ``<name>/`` of part files.
    ``deposit_balances`` is optional. Raises :class:`~econscope.errors.DataError` on a
    table-level fault; row-level faults go to the quarantine with a reason code (see
    ``docs/contract.md``). Returns a :class:`ValidationResult` (see the module example).
    ``progress`` is called with each table's name once it is validated and written.
    """
    settings = settings or Settings()
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    if out_dir.resolve() == data_dir.resolve():
        raise ConfigError(
            f"the output folder {out_dir} is the data folder: validated tables would "
            "replace the inputs. Hint: pass another --out, e.g. run1/validated"
        )
    paths = locate(_specs(data_dir), data_dir)
    present = [n for n in _REPORT_ORDER if paths[n] is not None]

    def compute(out: Path) -> StageOutput:
        engine = con or connect(settings.engine, spill_dir=out / ".spill")
        _clear(out)
        stage_dir = out / f".staging-{uuid.uuid4().hex[:8]}"
        run = _Run(engine, settings, paths, out, stage_dir, progress=progress)
        input_bytes = sum(f.stat().st_size for p in paths.values() if p for f in _files(p))
        try:  # the folder is made inside the try: a signal after mkdir still cleans it
            stage_dir.mkdir(parents=True)
            with resource_errors(engine, "validate", input_bytes=input_bytes):
                run.run()
        finally:
            shutil.rmtree(stage_dir, ignore_errors=True)
            shutil.rmtree(out / ".spill", ignore_errors=True)
        for table, note in reconcile(engine, out, settings):
            run.notes.setdefault(table, []).append(note)
        # Raw ids end here: every later stage reads surrogates (econscope.smallbiz.pseudonyms).
        n_ids = pseudonymise(engine, out, present)
        accounting = run.accounting()
        balanced = accounting.rows_in == accounting.rows_accepted + accounting.rows_quarantined
        if not balanced.all():
            raise StageError(  # check_identity already ran per table; this guards the table
                "accounting identity broken. Hint: this is a bug in econscope's validator"
            )
        _write_csv(accounting, out / "accounting.csv")
        _write_csv(run.summary(), out / "quarantine_summary.csv")
        rows = {n: run.counts[n].rows_accepted for n in present}
        rows |= {f"quarantine/{n}": run.counts[n].rows_quarantined for n in present}
        rows["id_map"] = n_ids
        outputs = [*_outputs(out, present), ID_MAP_FILE, RECONCILIATION_FILE]
        return StageOutput(rows=rows, outputs=outputs)

    result = run_stage(
        "validate",
        out_dir,
        inputs={n: p for n, p in paths.items() if p is not None},
        settings=settings.to_manifest(),
        params={"contract_version": CONTRACT_VERSION},
        compute=compute,
        load=lambda out, _manifest: _load(out, present, reused=False),
    )
    _warn_rejections(result.value)
    return replace(result.value, reused=result.reused)


def _warn_rejections(result: ValidationResult) -> None:
    """A table of which nothing was accepted, or whose rows are mostly of unknown
    categories (a bank's own codes), is a warning naming the most common reason: never a
    silent exit 0."""
    summary = result.quarantine_summary
    for row in result.accounting.itertuples():
        reasons = summary[summary.table == row.table].sort_values("rows", ascending=False)
        unknown = int(reasons.loc[reasons.reason == "unknown_category", "rows"].sum())
        if row.rows_in == 0 or (row.rows_accepted > 0 and unknown * 2 <= row.rows_in):
            continue
        top = (
            f"{reasons.reason.iloc[0]} ({int(reasons.rows.iloc[0]):,} rows)"
            if len(reasons)
            else "?"
        )
        fix = (
            " Hint: the bank's own codes must be mapped to categories first (`econscope "
            "smallbiz map RAW --mapping mapping.toml --out DATA`; docs/own-bank.md)"
            if top.startswith("unknown_category")
            else " Hint: see validated/quarantine/ for each row's reason and message"
        )
        warnings.warn(
            f"{row.table}: "
            + (
                f"none of {row.rows_in:,} rows accepted"
                if row.rows_accepted == 0
                else f"only {row.rows_accepted:,} of {row.rows_in:,} rows accepted"
            )
            + f"; most common reason "
            f"{top}.{fix}",
            EconscopeWarning,
            stacklevel=3,
        )
