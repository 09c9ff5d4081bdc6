"""What every reader shares: the load result, entity resolution and row classification.

A reader turns a file into candidate rows (entity as printed, indicator, period, value as
text, unit, concept, source, vintage), then :func:`finish` classifies every candidate in
the engine: rejected with a reason (``missing_value`` for an empty cell or ``..``,
``non_numeric``, ``unknown_country``, ``unknown_flow``, ``bad_period``), or kept, as a
country (or other entity) observation or as a WDI aggregate, which is kept apart.
"""

from __future__ import annotations

import csv
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from econscope.economies.countries import comtrade_codes_arrow, country_arrow, name_keys_arrow
from econscope.economies.observations import OBSERVATION_SCHEMA
from econscope.engine import Backend, connect
from econscope.errors import DataError, EngineGapError

__all__ = [
    "MISSING_MARKERS",
    "REJECTED_SCHEMA",
    "REPORT_SCHEMA",
    "TRADE_SCHEMA",
    "EntityKey",
    "LoadResult",
    "check_field_counts",
    "finish",
    "read_text_csv",
    "resolve_entity",
]

#: Cell contents that mean "no value" (WDI DataBank writes "..").
MISSING_MARKERS: tuple[str, ...] = ("", "..", "NA", "N/A", "n/a", "nan", "NaN", "-")

REJECTED_SCHEMA = ibis.schema(
    {
        "file": "string",
        "layout": "string",
        "reason": "string",
        "entity_raw": "string",
        "indicator": "string",
        "period": "string",
        "value_raw": "string",
    }
)
REPORT_SCHEMA = pa.schema(
    [
        ("file", pa.string()),
        ("layout", pa.string()),
        ("outcome", pa.string()),
        ("reason", pa.string()),
        ("rows", pa.int64()),
    ]
)
#: Bilateral trade flows (Comtrade, BACI): value in US$, flow one of export, import,
#: re-export, re-import; partner ``WLD`` is the World total (never add it to partners).
TRADE_SCHEMA = ibis.schema(
    {
        "period": "string",
        "reporter": "string",
        "partner": "string",
        "classification": "string",
        "product": "string",
        "flow": "string",
        "value": "float64",
        "unit": "string",
        "source": "string",
        "vintage": "string",
    }
)

EntityKey = Literal["iso3", "name", "comtrade"]


@dataclass(frozen=True)
class LoadResult:
    """What a reader returns.

    - ``observations``: kept rows in the observation schema (countries, and for facts
      files regions and firms too);
    - ``aggregates``: kept WDI aggregates (World, regions, income groups), apart so that
      they are never summed with countries;
    - ``rejected``: every rejected row with its reason (:data:`REJECTED_SCHEMA`);
    - ``report``: rows read, kept and rejected by reason (:data:`REPORT_SCHEMA`);
    - ``trade``: bilateral flows in :data:`TRADE_SCHEMA` (Comtrade, BACI), else None;
    - ``checks``: facts files only, one row per fact: how ``raw`` parsed against the
      stated value and the plausibility of the value; ``facts``: the Fact objects.
    """

    layout: str
    file: str
    observations: ir.Table
    aggregates: ir.Table
    rejected: ir.Table
    report: pa.Table
    trade: ir.Table | None = None
    checks: pa.Table | None = None
    facts: tuple[Any, ...] = ()

    def counts(self) -> dict[str, int]:
        """Rows read, kept and rejected, from the report."""
        out = {"read": 0, "kept": 0, "rejected": 0}
        for row in self.report.to_pylist():
            out[row["outcome"]] = out.get(row["outcome"], 0) + row["rows"]
        return out


def check_field_counts(
    path: Path, *, skip: int = 0, delim: str = ",", footer_ok: bool = False
) -> list[int]:
    """Refuse a CSV with a row of more or fewer fields than its header.

    The engine pads a short row with nulls, so ``Japan,JPN`` under a header of seven
    columns would be read as a row of missing values (exit 0): a half-read row. An empty
    line is skipped. ``footer_ok`` (WDI DataBank extracts) accepts short rows after the
    first empty line or with a single field: the extract's footer of notes, which the
    reader rejects with its own reason.

    Returns the rows (0-based, after the header) that are one quoted field holding a
    whole row (a line ``"<a row, its quotes doubled>"``: the World Bank's bulk files quote
    the rows of Venezuela and Yemen twice); :func:`read_text_csv` reads them unwrapped.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_text('a,b,c\\n1,2,3\\n"4,""x, y"",6"\\n')
    >>> check_field_counts(p)
    [1]
    >>> _ = p.write_text("a,b,c\\n1,2,3\\nJapan,JPN\\n")
    >>> check_field_counts(p)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    econscope.errors.DataError: ...line 3 has 2 field(s), the header 3...
    """
    wrapped: list[int] = []
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        for _ in range(skip):
            fh.readline()
        reader = csv.reader(fh, delimiter=delim, quotechar='"')
        header: int | None = None
        footer = False
        index = -1
        for row in _rows(reader, path):
            if not row or all(not c.strip() for c in row):
                footer = footer or header is not None
                continue
            if header is None:
                header = len(row)
                continue
            index += 1
            if len(row) == header:
                continue
            if len(row) == 1 and header > 1 and len(_unwrap(row[0], delim)) == header:
                wrapped.append(index)
                continue
            if footer_ok and (footer or len(row) == 1):
                continue
            line = skip + reader.line_num
            raise DataError(
                f"line {line} has {len(row)} field(s), the header {header}: the row is "
                "damaged or cut short",
                file=str(path),
                hint="repair or re-download the file (every row needs one field per "
                "header column); nothing was loaded",
            )
    return wrapped


def _unwrap(field: str, delim: str) -> list[str]:
    """The fields of a row quoted as one field (empty when it is not one whole row)."""
    rows = list(csv.reader([field], delimiter=delim, quotechar='"'))
    return rows[0] if len(rows) == 1 else []


def _rows(reader: Any, path: Path) -> Any:
    try:
        yield from reader
    except csv.Error as exc:
        raise DataError(
            f"unreadable CSV at line {reader.line_num} ({exc})",
            file=str(path),
            hint="check the file's layout (econscope economies load --layout ...)",
        ) from None


def _unwrapped_copy(path: Path, skip: int, delim: str, folder: Path) -> Path:
    """A copy of ``path`` with every row quoted as one field written as its fields."""
    out = folder / path.name
    with (
        path.open(encoding="utf-8-sig", errors="replace", newline="") as fh,
        out.open("w", encoding="utf-8", newline="") as dst,
    ):
        for _ in range(skip):
            dst.write(fh.readline())
        writer = csv.writer(dst, delimiter=delim, quotechar='"', lineterminator="\n")
        header: int | None = None
        for row in csv.reader(fh, delimiter=delim, quotechar='"'):
            if header is not None and len(row) == 1 and header > 1:
                inner = _unwrap(row[0], delim)
                row = inner if len(inner) == header else row
            if header is None and row and any(c.strip() for c in row):
                header = len(row)
            writer.writerow(row)
    return out


def read_text_csv(
    con: Backend,
    path: Path,
    *,
    skip: int = 0,
    delim: str = ",",
    name: str | None = None,
    footer_ok: bool = False,
) -> ir.Table:
    """Read a CSV with every column as text (parsing is the reader's job, row by row).

    Every row must have as many fields as the header (:func:`check_field_counts`); a
    row quoted whole is read as its fields.
    """
    if not path.exists():
        raise DataError("file not found", file=str(path), hint="check the path")
    wrapped = check_field_counts(path, skip=skip, delim=delim, footer_ok=footer_ok)
    if con.name != "duckdb":
        raise EngineGapError(
            f"the economies readers parse raw CSV layouts with DuckDB's reader, not {con.name}. "
            "Hint: load with `econscope economies load` (DuckDB), then read the Parquet "
            "outputs on any engine"
        )
    if wrapped:
        with tempfile.TemporaryDirectory(prefix="econscope-csv-") as folder:
            copy = _unwrapped_copy(path, skip, delim, Path(folder))
            view = _read_csv(con, copy, path, skip=skip, delim=delim, name=None)
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "fetch_arrow_table", DeprecationWarning)
                # materialised: the repaired copy is removed when this block ends
                return con.create_table(name or ibis.util.gen_name("csv"), view, temp=True)
    return _read_csv(con, path, path, skip=skip, delim=delim, name=name)


def _read_csv(
    con: Backend, source: Path, path: Path, *, skip: int, delim: str, name: str | None
) -> ir.Table:
    try:
        with warnings.catch_warnings():
            # Ibis 12 calls DuckDB 2's deprecated fetch_arrow_table while registering.
            warnings.filterwarnings("ignore", "fetch_arrow_table", DeprecationWarning)
            return con.read_csv(
                str(source),
                table_name=name,
                header=True,
                all_varchar=True,
                delim=delim,
                quote='"',
                skip=skip,
                strict_mode=False,
                null_padding=True,
            )
    except Exception as exc:  # the engine's own parse errors vary
        raise DataError(
            f"unreadable CSV ({type(exc).__name__}: {str(exc).splitlines()[0]})",
            file=str(path),
            hint="check the file's layout (econscope economies load --layout ...)",
        ) from None


def _norm_name(col: ir.StringValue) -> ir.StringValue:
    # Same rule as countries.name_key: lower case, runs of non [a-z0-9] to one space.
    return col.lower().re_replace(r"[^0-9a-z]+", " ").strip()


def resolve_entity(table: ir.Table, column: str, how: EntityKey) -> ir.Table:
    """``table`` plus ``iso3`` and ``kind`` (country / aggregate), null when unknown.

    ``how``: ``iso3`` codes, ``name`` (any known variant) or ``comtrade`` codes (0 = World).
    """
    codes = ibis.memtable(country_arrow()).select(k_iso3="iso3", k_kind="kind")
    raw = table[column].strip()
    if how == "comtrade":
        lookup = ibis.memtable(comtrade_codes_arrow()).rename(k_code="code", k_res="iso3")
        key = raw.re_replace(r"^0+([0-9])", r"\1")
        t = table.mutate(_k=key).left_join(lookup, ibis._["_k"] == lookup.k_code)
        t = t.mutate(iso3=t.k_res).drop("_k", "k_code", "k_res")
    elif how == "iso3":
        t = table.mutate(iso3=raw.upper())
    else:
        names = ibis.memtable(name_keys_arrow()).rename(k_name="name_key", k_res="iso3")
        t = table.mutate(_k=_norm_name(table[column])).left_join(
            names, ibis._["_k"] == names.k_name
        )
        t = t.mutate(iso3=t.k_res).drop("_k", "k_name", "k_res")
    t = t.left_join(codes, t.iso3 == codes.k_iso3)
    return t.mutate(
        iso3=ibis.ifelse(t.k_kind.isnull(), ibis.null(str), t.iso3), kind=t.k_kind
    ).drop("k_iso3", "k_kind")


#: A plain decimal number: optional sign, digits with an optional fraction, optional
#: exponent. No inf/nan, no "1.2.3", no trailing garbage: those are never numbers here.
_PLAIN_NUMBER = r"^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$"
#: The same with thousands grouped by commas in groups of exactly three ("1,234.5"), so a
#: truncated "1,23" is not read as 123.
_GROUPED_NUMBER = r"^[+-]?[0-9]{1,3}(,[0-9]{3})+([.][0-9]+)?$"


def parse_number(raw: ir.StringValue, *, thousands: bool = False) -> ir.FloatingValue:
    """Text to float64 in the engine, exactly or not at all.

    Null (so the row is rejected as ``non_numeric``, never changed) unless the text is a
    plain finite decimal number; with ``thousands``, commas must group digits in threes.
    Infinities, NaN, "1.2.3" and a truncated "1,23" are all null.
    """
    s = raw.strip()
    ok = s.re_search(_PLAIN_NUMBER)
    if thousands:
        ok = ok | s.re_search(_GROUPED_NUMBER)
        s = ibis.ifelse(s.re_search(_GROUPED_NUMBER), s.replace(",", ""), s)
    return ibis.ifelse(ok.fill_null(False), s.try_cast("float64"), ibis.null("float64"))


def finish(
    cand: ir.Table,
    *,
    file: str,
    layout: str,
    extra_reason: ir.StringValue | None = None,
) -> tuple[ir.Table, ir.Table, ir.Table, pa.Table]:
    """Classify candidates into (observations, aggregates, rejected, report).

    ``cand`` has entity_raw, iso3, kind, indicator, period, value_raw, value, unit,
    concept, source, vintage. ``extra_reason`` (a reader's own rule, e.g. an unknown
    flow code) is checked after the missing, numeric, period and country rules.
    """
    missing = cand.value_raw.isnull() | cand.value_raw.strip().isin(MISSING_MARKERS)
    rules: list[tuple[ir.BooleanValue, str]] = [
        (missing, "missing_value"),
        (cand.value.isnull(), "non_numeric"),
        (cand.period.isnull(), "bad_period"),
        (cand.iso3.isnull(), "unknown_country"),
    ]
    reason = ibis.cases(*rules, else_=ibis.null(str))
    if extra_reason is not None:
        reason = ibis.coalesce(reason, extra_reason)
    t = cand.mutate(_reason=reason)
    kept = t.filter(t._reason.isnull()).mutate(_entity=t.iso3)
    cols = {
        "entity": kept._entity,
        "indicator": kept.indicator,
        "period": kept.period,
        "value": kept.value.cast("float64"),
        "unit": kept.unit,
        "concept": kept.concept,
        "source": kept.source,
        "vintage": kept.vintage,
    }
    is_agg = kept.kind.fill_null("") == "aggregate"
    observations = kept.filter(~is_agg).select(**cols).cast(OBSERVATION_SCHEMA)
    aggregates = kept.filter(is_agg).select(**cols).cast(OBSERVATION_SCHEMA)
    rej = t.filter(t._reason.notnull())
    rejected = rej.select(
        file=ibis.literal(file),
        layout=ibis.literal(layout),
        reason=rej._reason,
        entity_raw=rej.entity_raw,
        indicator=rej.indicator,
        period=rej.period,
        value_raw=rej.value_raw,
    )
    outcome = ibis.ifelse(t._reason.isnull(), "kept", "rejected")
    why = ibis.ifelse(
        t._reason.isnull(),
        ibis.ifelse(t.kind.isin(["aggregate", "partner_world"]), t.kind, "entity"),
        t._reason,
    )
    summary = (
        t.mutate(outcome=outcome, reason=why)
        .group_by(["outcome", "reason"])
        .aggregate(rows=ibis._.count())
        .to_pyarrow()
        .to_pylist()
    )
    total = sum(r["rows"] for r in summary)
    rows = [{"outcome": "read", "reason": "", "rows": total}]
    rows += sorted(summary, key=lambda r: (r["outcome"], r["reason"]))
    report = pa.Table.from_pylist(
        [{"file": file, "layout": layout, **r} for r in rows], schema=REPORT_SCHEMA
    )
    return observations, aggregates, rejected, report


def default_con(con: Backend | None) -> Backend:
    """``con`` or a fresh in-memory DuckDB connection."""
    return con if con is not None else connect()
