"""Surrogate keys: validate replaces every firm, account and card id by a keyed hash.

A bank's own identifiers are whatever it uses (integers like 576, short codes like A2,
names with spaces or any Unicode). None of them may reach a published output, and a
check that looked for them in published files would fire on every count or year that
happens to equal an id. So the validate stage replaces them: after the accepted tables
are written, every ``firm_id``, ``account_id`` and ``card_id`` becomes

    <kind>-<first 20 hex digits of SHA-256(secret : column : raw id)>

(``F-``, ``A-`` or ``C-``), computed in the engine. The secret is 32 random bytes written
once into the working folder (``validated/id_secret``, never published, reused by every
rerun in that folder so that surrogates stay stable); the map from raw id to surrogate is
``validated/id_map.parquet`` (kind, raw_id, surrogate), the only place that holds both.
Every later stage reads the validated tables and so sees surrogates only, and the
publication check compares published cells with the surrogates: a surrogate is never a
number, never a word and never a date, so it cannot be confused with anything a result
table legitimately holds.

>>> import ibis
>>> from econscope.engine import connect
>>> t = ibis.memtable({"firm_id": ["576", "A2"]})
>>> ids = connect().execute(t.select(s=surrogate(t.firm_id, "firm_id", "0" * 64))).s
>>> [(len(s), s[:2]) for s in ids]
[(22, 'F-'), (22, 'F-')]
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType

import ibis
import ibis.expr.types as ir

from econscope.engine import Backend, connect, read_table, write_parquet
from econscope.errors import StageError
from econscope.stages import MissingInputError

__all__ = [
    "ID_COLUMNS",
    "ID_MAP_FILE",
    "SECRET_FILE",
    "id_map",
    "pseudonymise",
    "surrogate",
    "surrogates",
]

ID_MAP_FILE = "id_map.parquet"
SECRET_FILE = "id_secret"

#: id column -> the prefix of its surrogates.
_PREFIX: Mapping[str, str] = MappingProxyType({"firm_id": "F", "account_id": "A", "card_id": "C"})

#: Every identifier column of every accepted table.
ID_COLUMNS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "firms": ("firm_id",),
        "deposit_accounts": ("account_id", "firm_id"),
        "deposit_transactions": ("account_id",),
        "deposit_balances": ("account_id",),
        "card_accounts": ("card_id", "firm_id"),
        "card_statements": ("card_id",),
        "card_transactions": ("card_id",),
    }
)

#: The table that defines each kind of id (one row per id), for the id map.
_DEFINING: Mapping[str, str] = MappingProxyType(
    {"firm_id": "firms", "account_id": "deposit_accounts", "card_id": "card_accounts"}
)

_DIGITS = 20  # 80 bits: a collision among a billion ids has probability below 1e-6


def surrogate(value: ir.StringValue, column: str, secret: str) -> ir.StringValue:
    """The surrogate of raw ids ``value`` of ``column`` (firm_id, account_id or card_id)."""
    keyed = ibis.literal(f"{secret}:{column}:").concat(value.cast("string"))
    return ibis.literal(f"{_PREFIX[column]}-").concat(keyed.hexdigest("sha256").substr(0, _DIGITS))


def _secret(folder: Path) -> str:
    path = folder / SECRET_FILE
    if path.is_file():
        text = path.read_text(encoding="ascii").strip()
        if len(text) == 64:
            return text
    folder.mkdir(parents=True, exist_ok=True)
    text = secrets.token_hex(32)
    tmp = path.with_name(f"{SECRET_FILE}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(text)
    os.replace(tmp, path)
    return text


def pseudonymise(con: Backend, folder: Path, tables: Iterable[str]) -> int:
    """Replace the ids of the accepted ``tables`` in ``folder`` by surrogates; write the map.

    Must run once, on freshly written accepted tables (validate calls it last). Returns
    the number of ids in the map. Raises :class:`~econscope.errors.StageError` in the
    (astronomically unlikely) event that two raw ids of one kind share a surrogate.
    """
    folder = Path(folder)
    secret = _secret(folder)
    present = [t for t in tables if (folder / f"{t}.parquet").exists()]  # file or folder
    parts = []
    for column, table in _DEFINING.items():
        if table not in present:
            continue
        raw = read_table(con, folder / f"{table}.parquet")[column].cast("string")
        ids = raw.name("raw_id").as_table().distinct()
        parts.append(
            ids.select(
                kind=ibis.literal(column),
                raw_id=ids.raw_id,
                surrogate=surrogate(ids.raw_id, column, secret),
            )
        )
    mapping = ibis.union(*parts, distinct=False).order_by(["kind", "surrogate"])
    write_parquet(mapping, folder / ID_MAP_FILE)
    m = read_table(con, folder / ID_MAP_FILE)
    counts = con.to_pyarrow(m.aggregate(n=m.count(), distinct=(m.kind + m.surrogate).nunique()))
    n, distinct = counts["n"][0].as_py(), counts["distinct"][0].as_py()
    if n != distinct:
        raise StageError(
            "two raw identifiers received one surrogate key. Hint: delete "
            f"{folder / SECRET_FILE} and run validate again (a new secret)"
        )
    for table in present:
        path = folder / f"{table}.parquet"
        t = read_table(con, path)
        t = t.mutate(**{c: surrogate(t[c], c, secret) for c in ID_COLUMNS[table]})
        write_parquet(t, path)  # atomic: written beside the file, then moved over it
    return int(n)


def id_map(folder: str | Path, con: Backend | None = None) -> ir.Table:
    """The id map of a validated folder: kind, raw_id, surrogate (working data only)."""
    path = Path(folder) / ID_MAP_FILE
    if not path.exists():  # a file (DuckDB) or a folder of parts (Spark)
        raise MissingInputError(
            f"{path} is missing. Hint: run `econscope smallbiz validate` first; the id map "
            "is written there"
        )
    return read_table(con or connect(), path)


def surrogates(folder: str | Path, con: Backend | None = None) -> ir.Column:
    """The surrogate keys of a validated folder, as an Ibis column (they stay in the engine)."""
    return id_map(folder, con).surrogate
