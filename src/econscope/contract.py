"""Input contracts: typed table schemas, and validation into accepted rows plus a quarantine.

A contract is a set of :class:`TableSpec` objects (columns with a type, required or
optional, nullable or not, and a key). Validating a table runs in the engine, as Ibis
expressions, in a few scans:

1. :func:`locate` finds the files; :func:`open_source` registers one and checks that
   every required column is there and that typed (Parquet) columns have a compatible
   type. A CSV is read as all text, so every cast is the contract's own.
2. :func:`prepare` keeps every original column as text (``raw__<name>``) beside a typed
   column per contract column (``try_cast``: a value that does not parse becomes null
   in the typed column, its text survives in the raw one). Absent optional columns
   become typed nulls.
3. :func:`profile` counts the rows and, per typed column, how many values are present
   and how many cast. A column with values of which none casts is a table-level
   :class:`~econscope.errors.DataError` (the file is in another format, not a few rows
   are broken).
4. Rules assign at most one ``reason`` (and a ``message``) to each row. Rules are applied
   in stages, each stage only to rows that no earlier rule failed, and within a stage the
   first failing rule wins: :func:`cast_rules` (missing value, bad date, bad amount),
   then whatever the caller adds (:func:`apply_rules`, :func:`flag_duplicates`,
   :func:`flag_references`).
5. :func:`materialize` writes the reasoned rows once (a staging Parquet file), and
   :func:`split` writes the accepted table (typed contract columns only) and the
   quarantine (original text, ``reason``, ``message``) from it and counts both in one
   grouped count, so that ``rows_in`` (counted from the source) ``== rows_accepted +
   rows_quarantined`` (counted from the staged rows) is a real check.

Nothing here depends on a particular engine or on row order.

>>> import ibis
>>> from econscope.engine import connect
>>> spec = TableSpec("t", (ColumnSpec("id", "string"), ColumnSpec("amount", "float64")))
>>> src = Source(spec, None, ibis.memtable({"id": ["a", "b", None], "amount": ["1", "x", "2"]}))
>>> t = apply_rules(prepare(src), cast_rules(spec))
>>> sorted(connect().execute(t.select("raw__id", "reason")).fillna("-").values.tolist())
[['-', 'missing_value'], ['a', '-'], ['b', 'bad_amount']]
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import ibis
import ibis.expr.types as ir

from econscope.engine import (
    Backend,
    engine_errors,
    explain_engine_error,
    find_table_file,
    read_table,
    table_format,
    write_parquet,
)
from econscope.errors import DataError, StageError

__all__ = [
    "BAD_AMOUNT",
    "BAD_DATE",
    "DUPLICATE_KEY",
    "MESSAGE",
    "MISSING_VALUE",
    "RAW_PREFIX",
    "REASON",
    "ColumnSpec",
    "ColumnType",
    "Rule",
    "Source",
    "SplitCounts",
    "TableSpec",
    "apply_rules",
    "cast_rules",
    "check_columns",
    "check_identity",
    "flag_duplicates",
    "flag_references",
    "locate",
    "materialize",
    "open_source",
    "prepare",
    "profile",
    "quote",
    "raw",
    "split",
    "text",
]

ColumnType = Literal["string", "date", "float64"]

#: Generic reason codes of the cast stage (a contract adds its own codes).
MISSING_VALUE = "missing_value"
BAD_DATE = "bad_date"
BAD_AMOUNT = "bad_amount"
DUPLICATE_KEY = "duplicate_key"

RAW_PREFIX = "raw__"
REASON = "reason"
MESSAGE = "message"
_NULL_TEXT = "<null>"

_TYPE_WORDS: dict[ColumnType, str] = {
    "string": "text",
    "date": "a date (YYYY-MM-DD)",
    "float64": "a number",
}


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a contract table.

    ``required``: the column must be in the file (an absent optional column is added as
    typed nulls). ``nullable``: a row may leave the value empty; an empty value in a
    non-nullable column is ``missing_value`` (text and dates) or ``bad_amount`` (numbers).
    """

    name: str
    dtype: ColumnType
    required: bool = True
    nullable: bool = False
    description: str = ""


@dataclass(frozen=True)
class TableSpec:
    """One contract table: its columns in order, its key (may be empty) and whether the
    table itself must be present.

    >>> spec = TableSpec("t", (ColumnSpec("id", "string"), ColumnSpec("x", "date", False)))
    >>> spec.required_columns, spec.optional_columns
    (('id',), ('x',))
    """

    name: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...] = ()
    required: bool = True
    description: str = ""

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names) or not set(self.key) <= set(names):
            raise ValueError(f"table spec {self.name!r}: duplicate columns or unknown key")

    @property
    def names(self) -> tuple[str, ...]:
        """Every contract column, in order."""
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        """Columns that must be in the file."""
        return tuple(c.name for c in self.columns if c.required)

    @property
    def optional_columns(self) -> tuple[str, ...]:
        """Columns that may be absent (then typed nulls)."""
        return tuple(c.name for c in self.columns if not c.required)

    def __iter__(self) -> Iterator[ColumnSpec]:
        return iter(self.columns)

    def column(self, name: str) -> ColumnSpec:
        """The spec of column ``name``."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def schema(self) -> ibis.Schema:
        """The Ibis schema of the accepted table."""
        return ibis.schema({c.name: c.dtype for c in self.columns})


@dataclass(frozen=True)
class Source:
    """A contract table as found in the input: its spec, file and the engine table.

    ``extra`` lists columns the contract does not know (kept in the quarantine only);
    ``absent`` lists optional columns missing from the file (typed nulls).
    """

    spec: TableSpec
    path: Path | None
    table: ir.Table
    extra: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()

    @property
    def file(self) -> str:
        """The file name used in messages."""
        return str(self.path) if self.path is not None else self.spec.name

    @property
    def original_columns(self) -> tuple[str, ...]:
        """Every column of the file, in file order."""
        return tuple(self.table.columns)


@dataclass(frozen=True)
class Rule:
    """A row-level rule: ``fails(t)`` is true where a row breaks it (null counts as
    passing), ``message(t)`` says why for that row."""

    reason: str
    fails: Callable[[ir.Table], ir.BooleanValue]
    message: Callable[[ir.Table], ir.StringValue]


@dataclass(frozen=True)
class SplitCounts:
    """What :func:`split` wrote for one table."""

    rows_accepted: int
    rows_quarantined: int
    reasons: Mapping[str, int] = field(default_factory=dict)


# -- text helpers for messages ---------------------------------------------------------


def raw(t: ir.Table, name: str) -> ir.StringValue:
    """The original text of column ``name`` (null when the file has no such column)."""
    if RAW_PREFIX + name not in t.columns:
        return ibis.null("string")
    value = t[RAW_PREFIX + name]
    return value if value.type().is_string() else value.cast("string")


def text(value: ir.Value) -> ir.StringValue:
    """A value as text for a message (``<null>`` when null)."""
    return value.cast("string").fill_null(_NULL_TEXT)


def quote(value: ir.Value) -> ir.StringValue:
    """A value as quoted text for a message."""
    return ibis.literal("'").concat(text(value), ibis.literal("'"))


def _blank(value: ir.StringValue) -> ir.BooleanValue:
    return value.isnull() | (value.strip() == "")


def _raw_blank(t: ir.Table, name: str) -> ir.BooleanValue:
    """True where column ``name`` is absent, null, or (as text) empty or only spaces."""
    if RAW_PREFIX + name not in t.columns:
        return ibis.literal(True)
    value = t[RAW_PREFIX + name]
    return _blank(value) if value.type().is_string() else value.isnull()


# -- reading ---------------------------------------------------------------------------


def _compatible(spec: ColumnSpec, dtype: ibis.DataType) -> bool:
    if dtype.is_string() or dtype.is_null():
        return True
    if spec.dtype == "string":
        return dtype.is_integer()
    if spec.dtype == "date":
        return dtype.is_date() or dtype.is_timestamp()
    return dtype.is_integer() or dtype.is_floating() or dtype.is_decimal()


def locate(specs: Iterable[TableSpec], folder: Path) -> dict[str, Path | None]:
    """The file (or folder of part files) of each table in ``folder``; None when absent.

    Raises :class:`DataError` when ``folder`` is not a folder or a required table is absent.
    """
    if not folder.is_dir():
        raise DataError(
            "data folder not found",
            file=str(folder),
            hint="give the folder that holds the input tables",
        )
    found: dict[str, Path | None] = {}
    for spec in specs:
        path = find_table_file(folder, spec.name)
        if path is None and spec.required:
            raise DataError(
                "required table missing",
                file=str(folder / f"{spec.name}.parquet"),
                hint=f"put {spec.name}.parquet, {spec.name}.csv or a folder {spec.name}/ of "
                f"part files in {folder} (columns: {', '.join(spec.names)})",
            )
        found[spec.name] = path
    return found


def open_source(con: Backend, spec: TableSpec, path: Path) -> Source:
    """Register ``spec``'s table from ``path`` (CSV as all text); check columns and types.

    Raises :class:`DataError` for an unreadable file, a missing required column, or a
    typed column whose type cannot hold the contract's (a date column stored as numbers).
    """
    table = read_table(con, path, all_varchar=True)
    return check_columns(spec, path, table)


def check_columns(spec: TableSpec, path: Path | None, table: ir.Table) -> Source:
    """Check required columns and column types of ``table`` against ``spec``.

    A column of Parquet's ``null`` type (pandas writes one for a column that is None
    everywhere) holds no value: it is read as an all-null text column.
    """
    nulls = [n for n, t in table.schema().items() if t.is_unknown() and "NULL" in str(t)]
    if nulls:
        table = table.mutate(**{n: ibis.null("string") for n in nulls})
    schema = table.schema()
    file = str(path) if path is not None else spec.name
    for col in spec.columns:
        if col.name not in schema:
            if col.required:
                raise DataError(
                    "required column missing",
                    file=file,
                    column=col.name,
                    hint=f"the table needs the columns {', '.join(spec.required_columns)} "
                    f"(found {', '.join(schema.names) or 'none'})",
                )
            continue
        if not _compatible(col, schema[col.name]):
            raise DataError(
                f"stored as {schema[col.name]}, which cannot hold {_TYPE_WORDS[col.dtype]}",
                file=file,
                column=col.name,
                hint=f"write the column as {col.dtype} or as text",
            )
    return Source(
        spec=spec,
        path=path,
        table=table,
        extra=tuple(c for c in schema.names if c not in spec.names),
        absent=tuple(c.name for c in spec.columns if c.name not in schema),
    )


def _typed(col: ColumnSpec, value: ir.Value | None) -> ir.Value:
    if value is None:
        return ibis.null(col.dtype)
    dtype = value.type()
    if col.dtype == "string":
        text_value = value if dtype.is_string() else value.cast("string")
        return ibis.ifelse(_blank(text_value), ibis.null("string"), text_value)
    if dtype.is_string():
        return value.try_cast(col.dtype)
    return value.cast(col.dtype)


def prepare(source: Source) -> ir.Table:
    """Every original column (``raw__<name>``; text for a CSV), a typed column per
    contract column, and empty ``reason`` / ``message`` columns."""
    t = source.table
    # Typed (Parquet) columns keep their type here and become text only where shown
    # (messages, the quarantine): casting every accepted row to text would be wasted.
    raws = {RAW_PREFIX + c: t[c] for c in t.columns}
    typed = {c.name: _typed(c, t[c.name] if c.name in t.columns else None) for c in source.spec}
    return t.select(
        **raws,
        **typed,
        **{REASON: ibis.null("string"), MESSAGE: ibis.null("string")},
    )


def profile(con: Backend, source: Source, prepared: ir.Table) -> int:
    """Count the rows of ``source``; fail when a typed column has values but none casts.

    One aggregate, one scan. Raises :class:`DataError` naming the file, the column and an
    example value (a date column written as ``03/15/2020`` fails here, not row by row).
    """
    t = prepared
    checked = [c for c in source.spec.columns if c.dtype != "string" and c.name in source.table]
    metrics: dict[str, ir.Value] = {"rows_in": t.count()}
    for i, c in enumerate(checked):
        present = ~_raw_blank(t, c.name)
        metrics[f"p{i}"] = t.count(where=present)
        metrics[f"c{i}"] = t.count(where=t[c.name].notnull())
        metrics[f"e{i}"] = raw(t, c.name).min(where=present & t[c.name].isnull())
    try:
        row = con.execute(t.aggregate(**metrics)).iloc[0]
    except engine_errors() as exc:  # engines raise their own parse errors, at execution time
        if source.path is not None:
            raise explain_engine_error(exc, source.path, table_format(source.path)) from None
        raise DataError(
            f"unreadable file ({type(exc).__name__}: {str(exc).splitlines()[0]})",
            file=source.file,
            hint="check that the file is complete and every row has the header's columns",
        ) from None
    for i, c in enumerate(checked):
        if int(row[f"p{i}"]) > 0 and int(row[f"c{i}"]) == 0:
            raise DataError(
                f"cannot be cast to {c.dtype}: none of its {int(row[f'p{i}'])} values is "
                f"{_TYPE_WORDS[c.dtype]} (for example {row[f'e{i}']!r})",
                file=source.file,
                column=c.name,
                hint="write dates as YYYY-MM-DD and amounts as plain decimal numbers",
            )
    return int(row["rows_in"])


# -- rules -----------------------------------------------------------------------------


def cast_rules(spec: TableSpec) -> list[Rule]:
    """The generic rules, in precedence order: ``missing_value`` for every non-nullable
    text or date column, then ``bad_date`` for every date column with text that is no
    date, then ``bad_amount`` for every number column that is empty (when not nullable),
    not a number or not finite."""

    def missing(name: str) -> Rule:
        return Rule(
            MISSING_VALUE,
            lambda t: _raw_blank(t, name),
            lambda t: ibis.literal(f"{name} is empty; the contract requires it"),
        )

    def bad_date(name: str) -> Rule:
        return Rule(
            BAD_DATE,
            lambda t: ~_raw_blank(t, name) & t[name].isnull(),
            lambda t: ibis.literal(f"{name} ").concat(
                quote(raw(t, name)), " is not a valid date (YYYY-MM-DD)"
            ),
        )

    def bad_amount(name: str, nullable: bool) -> Rule:
        def fails(t: ir.Table) -> ir.BooleanValue:
            value = t[name]
            broken = ~_raw_blank(t, name) & (value.isnull() | value.isnan() | value.isinf())
            return broken if nullable else broken | _raw_blank(t, name)

        return Rule(
            BAD_AMOUNT,
            fails,
            lambda t: ibis.ifelse(
                _raw_blank(t, name),
                ibis.literal(f"{name} is empty; the contract requires a number"),
                ibis.literal(f"{name} ").concat(quote(raw(t, name)), " is not a finite number"),
            ),
        )

    rules = [missing(c.name) for c in spec if c.dtype != "float64" and not c.nullable]
    rules += [bad_date(c.name) for c in spec if c.dtype == "date"]
    rules += [bad_amount(c.name, c.nullable) for c in spec if c.dtype == "float64"]
    return rules


def apply_rules(t: ir.Table, rules: Sequence[Rule]) -> ir.Table:
    """Give each row still without a reason the reason of the first rule it fails."""
    if not rules:
        return t
    # The first failing rule's index is computed once; reason and message read it, so
    # the engine evaluates each condition once per row.
    pending = t[REASON].isnull()
    t = t.mutate(_rule=ibis.cases(*[(r.fails(t), i) for i, r in enumerate(rules)]))
    hit = pending & t._rule.notnull()
    reason = ibis.cases(*[(t._rule == i, r.reason) for i, r in enumerate(rules)])
    message = ibis.cases(*[(t._rule == i, r.message(t)) for i, r in enumerate(rules)])
    return t.mutate(
        **{
            REASON: ibis.ifelse(hit, reason, t[REASON]),
            MESSAGE: ibis.ifelse(hit, message, t[MESSAGE]),
        }
    ).drop("_rule")


def flag_duplicates(
    t: ir.Table,
    key: Sequence[str],
    values: Sequence[str],
    *,
    conflict_reason: str = DUPLICATE_KEY,
    conflict_message: Callable[[ir.Table], ir.StringValue] | None = None,
) -> ir.Table:
    """Quarantine duplicate keys among rows still without a reason.

    Rows sharing a key and equal in every column of ``values`` (typed, after casting) are
    exact duplicates: one copy is accepted, the others get ``duplicate_key``. Rows sharing
    a key that differ in any of ``values`` all get ``conflict_reason``, since no rule can
    choose between them; nothing depends on row order.

    The keys that repeat are found by one grouped count (``group by key having count > 1``,
    with the conflict test in the same aggregate) and brought back by a join with that
    small table; only the rows of repeated keys are ranked (a window over them alone, to
    choose the copy that is kept). A window over every row would sort the whole table
    with every raw and typed column, which is what made validate slow at scale.
    ``conflict_message`` may read ``t._n``, the number of rows sharing the key.
    """
    pending = t[REASON].isnull()
    live = t.filter(pending)
    n = live.count()
    differs = [
        (live[v].min() != live[v].max()) | ((live[v].count() > 0) & (live[v].count() < n))
        for v in values
    ]
    conflict = ibis.or_(*differs).fill_null(False) if differs else ibis.literal(False)
    keys = {f"_dk{i}": live[k] for i, k in enumerate(key)}
    repeated = live.group_by(**keys).aggregate(_n=n, _conflict=conflict).filter(lambda r: r._n > 1)
    # Key columns may be nullable in a caller's contract: null keys group together, as
    # the window's partitions did, so the join matches them with IS NOT DISTINCT FROM.
    preds = [t[k].identical_to(repeated[f"_dk{i}"]) for i, k in enumerate(key)]
    joined = t.left_join(repeated, preds).select(*t.columns, "_n", "_conflict")
    is_dup = joined[REASON].isnull() & joined._n.notnull()
    rest = joined.filter(~is_dup).drop("_n", "_conflict")

    d = joined.filter(is_dup)
    raw_cols = [d[c] for c in d.columns if c.startswith(RAW_PREFIX)]
    d = d.mutate(_copy=ibis.row_number().over(group_by=[d[k] for k in key], order_by=raw_cols))
    key_text = ibis.literal(", ").join([ibis.literal(f"{k} ").concat(quote(d[k])) for k in key])
    if conflict_message is None:
        conflict_text = key_text.concat(
            " appears in ", d._n.cast("string"), " rows that differ; all are quarantined"
        )
    else:
        conflict_text = conflict_message(d)
    exact_text = key_text.concat(" repeats an identical row; one copy is kept")
    d = d.mutate(
        **{
            REASON: ibis.cases(
                (d._conflict, conflict_reason),
                (d._copy > 0, DUPLICATE_KEY),
                else_=d[REASON],
            ),
            MESSAGE: ibis.cases(
                (d._conflict, conflict_text),
                (d._copy > 0, exact_text),
                else_=d[MESSAGE],
            ),
        }
    ).drop("_n", "_conflict", "_copy")
    return rest.union(d)


def flag_references(
    t: ir.Table,
    parent: ir.Table,
    on: Mapping[str, str],
    *,
    reason: str,
    message: str,
    carry: Mapping[str, str] | None = None,
) -> ir.Table:
    """Quarantine rows (still without a reason) whose ``on`` columns match no row of
    ``parent``; bring the parent's ``carry`` columns along (``{new name: parent column}``).

    The message is the row's key values followed by ``message`` (for example
    ``firm_id 'F9' is not an accepted firm``).

    ``parent`` must be unique on its ``on`` columns (accepted parents are).
    """
    carry = dict(carry or {})
    marker = "_parent_found"
    right = parent.select(
        **{f"_pk{i}": parent[p] for i, p in enumerate(on.values())},
        **{new: parent[col] for new, col in carry.items()},
        **{marker: ibis.literal(True)},
    )
    preds = [t[c] == right[f"_pk{i}"] for i, c in enumerate(on)]
    joined = t.left_join(right, preds)
    joined = joined.select(*t.columns, *carry, marker)
    found = joined[marker].notnull()
    key_text = ibis.literal(", ").join([ibis.literal(f"{c} ").concat(quote(joined[c])) for c in on])
    pending = joined[REASON].isnull() & ~found
    return joined.mutate(
        **{
            REASON: ibis.ifelse(pending, reason, joined[REASON]),
            MESSAGE: ibis.ifelse(pending, key_text.concat(" ", message), joined[MESSAGE]),
        }
    ).drop(marker)


# -- writing ---------------------------------------------------------------------------


def materialize(con: Backend, expr: ir.Table, path: Path) -> ir.Table:
    """Run ``expr`` once into a Parquet file and read it back (a staging table).

    Later steps (the split, the counts, child tables joining their parents) read the file
    instead of recomputing windows and joins over the source.
    """
    write_parquet(expr, path)
    return con.read_parquet(str(path), table_name=f"stage_{uuid.uuid4().hex[:12]}")


def _quarantine_names(source: Source) -> dict[str, str]:
    taken = {REASON, MESSAGE}
    names: dict[str, str] = {}
    for c in source.original_columns:
        name = c if c not in taken else f"{c}_original"
        names[name] = RAW_PREFIX + c
    return names


def split(
    con: Backend,
    staged: ir.Table,
    source: Source,
    *,
    accepted_path: Path,
    quarantine_path: Path,
) -> SplitCounts:
    """Write the accepted rows (contract columns, typed) and the quarantine (every
    original column as text, ``reason``, ``message``); count both, by reason."""
    spec = source.spec
    accepted = staged.filter(staged[REASON].isnull()).select(
        **{c.name: staged[c.name].cast(c.dtype) for c in spec}
    )
    quarantined = staged.filter(staged[REASON].notnull()).select(
        **{name: staged[col].cast("string") for name, col in _quarantine_names(source).items()},
        **{REASON: staged[REASON], MESSAGE: staged[MESSAGE]},
    )
    # One grouped count over the staged rows both files are written from, first: a side
    # with no rows (the quarantine of a clean table) is then written empty without
    # another pass over the rows (a table that is not staged re-runs its scan and joins
    # for every pass).
    by_reason = con.execute(staged.group_by(REASON).aggregate(rows=staged.count()))
    reasons: dict[str, int] = {}
    rows_accepted = 0
    for reason, n in zip(by_reason[REASON], by_reason["rows"], strict=True):
        if isinstance(reason, str):
            reasons[reason] = int(n)
        else:
            rows_accepted = int(n)
    write_parquet(accepted if rows_accepted else accepted.limit(0), accepted_path)
    write_parquet(quarantined if reasons else quarantined.limit(0), quarantine_path)
    return SplitCounts(
        rows_accepted=rows_accepted,
        rows_quarantined=sum(reasons.values()),
        reasons=dict(sorted(reasons.items())),
    )


def check_identity(table: str, rows_in: int, counts: SplitCounts) -> None:
    """Raise :class:`StageError` unless rows_in == rows_accepted + rows_quarantined."""
    if rows_in != counts.rows_accepted + counts.rows_quarantined:
        raise StageError(
            f"{table}: accounting identity broken: rows_in {rows_in} != accepted "
            f"{counts.rows_accepted} + quarantined {counts.rows_quarantined}. "
            "Hint: this is a bug in econscope's validator; please report it with the data's shape"
        )
