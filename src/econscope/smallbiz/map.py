"""A bank's own extract -> the smallbiz input contract, driven by a mapping file.

``econscope smallbiz map RAW_DIR --mapping mapping.toml --out DATA_DIR`` reads the bank's
delimited files and writes one Parquet file per contract table into ``DATA_DIR`` (all
columns as text: validate does every cast, so nothing here can half-read a value), plus
``DATA_DIR/mapping/``:

- ``report.csv``: table, file, rows_in, rows_out, rows_unreadable, rows_combined (rows
  folded into an end-of-day row by ``last_per_day``), rows_unmapped; rows_in = rows_out
  + rows_unreadable + rows_combined;
- ``unmapped.csv``: table, what (category, kind or sign), code, rows: every code that
  no rule maps, counted;
- ``unreadable.csv``: table, file, line, error, text: lines the reader could not parse
  (a truncated last line, an unterminated quote);
- ``settings.toml``: the mapping's ``[settings]`` (currency, price index, thresholds) as
  an econscope config file for ``--config``.

Nothing is dropped silently: every row in is out, unreadable or combined, and a row
whose code no rule maps is written with the category ``unmapped:<codes>`` (or an amount
``unmapped:<code>`` for an unknown sign), so validate quarantines it with its reason.

The mapping file (TOML; the Berka example is ``econscope/smallbiz/mappings/berka.toml``
and docs/own-bank.md walks through it)::

    [source]                      # defaults for every file
    delimiter = ";"               # quote = '"', header = true, encoding = "utf-8"
    decimal = "."                 # "," for decimal commas; thousands = "" (e.g. " ")
    date_format = "%y%m%d"        # strptime format of every date column

    [settings]                    # written to mapping/settings.toml
    money = { currency = "CZK" }

    [tables.deposit_transactions]
    file = "trans.asc"
    columns = { account_id = "account_id", posted_date = "date", amount = "amount" }
    sign = { column = "type", credit = ["PRIJEM"], debit = ["VYDAJ", "VYBER"] }
    [tables.deposit_transactions.category]
    columns = ["type", "operation", "k_symbol"]
    rules = [{ when = { type = "PRIJEM", operation = "VKLAD" }, category = "sales" }]

A contract column maps to a source column (``"date"``), or to a constant
(``{ value = "unknown" }``). ``category`` (deposit transactions) and ``kind`` (card
transactions) come from the first rule whose ``when`` matches (a value or a list of
values per column; ``""`` matches an empty or missing code; a column not named matches
anything). ``last_per_day = { order_by = "trans_id" }`` turns a running balance on every
transaction into end-of-day balances (the row with the largest ``order_by`` of each
account and day). The map step runs on DuckDB (it reads the bank's files with DuckDB's
CSV reader, which counts every unreadable line).
"""

from __future__ import annotations

import csv
import tomllib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from econscope.config import Settings
from econscope.engine import Backend, atomic_path, connect, write_parquet
from econscope.errors import ConfigError, DataError, EngineGapError
from econscope.smallbiz.schema import SCHEMAS
from econscope.stages import Manifest, StageOutput, run_stage

__all__ = ["MAPPING_DIR", "MapResult", "bundled_mapping", "load_mapping", "map_extract"]

MAPPING_DIR = "mapping"
_SOURCE_KEYS = {"delimiter", "quote", "header", "encoding", "decimal", "thousands", "date_format"}
_TABLE_KEYS = _SOURCE_KEYS | {"file", "columns", "sign", "category", "kind", "last_per_day"}
_CODE_COLUMN = {"deposit_transactions": "category", "card_transactions": "kind"}
_UNMAPPED = "unmapped:"


@dataclass(frozen=True)
class MapResult:
    """What :func:`map_extract` wrote: the contract tables, the report and the unmapped codes."""

    out_dir: Path
    report: pd.DataFrame
    unmapped: pd.DataFrame
    settings_file: Path | None
    manifest: Manifest
    reused: bool

    @property
    def rows_unmapped(self) -> int:
        """Rows written with an unmapped code (validate quarantines them)."""
        return int(self.report["rows_unmapped"].sum())


def bundled_mapping(name: str) -> Path:
    """The path of a mapping shipped with econscope (``"berka"``)."""
    path = Path(__file__).parent / "mappings" / f"{name}.toml"
    if not path.is_file():
        shipped = sorted(p.stem for p in path.parent.glob("*.toml"))
        raise ConfigError(f"no bundled mapping {name!r}. Hint: bundled mappings are {shipped}")
    return path


def load_mapping(path: str | Path) -> dict[str, Any]:
    """Read and check a mapping file; raise :class:`ConfigError` naming the key at fault."""
    path = Path(path)
    try:
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: mapping file not found. Hint: check the path") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}). Hint: fix the file") from None
    unknown = set(spec) - {"source", "settings", "tables"}
    if unknown:
        raise ConfigError(
            f"{path}: unknown section(s) {sorted(unknown)}. Hint: a mapping has [source], "
            "[settings] and [tables.<contract table>]"
        )
    bad = set(spec.get("source", {})) - _SOURCE_KEYS
    if bad:
        raise ConfigError(f"{path}: unknown [source] key(s) {sorted(bad)}. Hint: {_SOURCE_KEYS}")
    tables = spec.get("tables", {})
    if not tables:
        raise ConfigError(f"{path}: no [tables.<name>]. Hint: map at least firms and deposits")
    for name, t in tables.items():
        where = f"{path}: [tables.{name}]"
        if name not in SCHEMAS:
            raise ConfigError(f"{where}: not a contract table. Hint: one of {list(SCHEMAS)}")
        bad = set(t) - _TABLE_KEYS
        if bad:
            raise ConfigError(f"{where}: unknown key(s) {sorted(bad)}. Hint: {sorted(_TABLE_KEYS)}")
        if "file" not in t:
            raise ConfigError(f'{where}: no file. Hint: file = "trans.csv" (in RAW_DIR)')
        columns = dict(t.get("columns", {}))
        derived = {_CODE_COLUMN.get(name)} if (t.get("category") or t.get("kind")) else set()
        missing = [
            c for c in SCHEMAS[name].required_columns if c not in columns and c not in derived
        ]
        if missing:
            raise ConfigError(
                f"{where}: contract column(s) {missing} are not mapped. Hint: columns = "
                f'{{ {missing[0]} = "<the source column>" }} or {{ value = "<a constant>" }}'
            )
        extra = set(columns) - set(SCHEMAS[name].names)
        if extra:
            raise ConfigError(
                f"{where}: {sorted(extra)} are not columns of {name}. "
                f"Hint: its columns are {list(SCHEMAS[name].names)}"
            )
        code = t.get("category") or t.get("kind")
        if code is not None and not code.get("rules"):
            raise ConfigError(f"{where}: category/kind needs rules. Hint: see docs/own-bank.md")
    if "settings" in spec:
        Settings.model_validate(_settings_data(spec["settings"]))  # fail early, and here
    return spec


def _settings_data(data: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: dict(v) if isinstance(v, dict) else v for k, v in data.items()}
    prices = out.get("prices")
    if isinstance(prices, dict) and "cpi_annual" in prices:
        prices["cpi_annual"] = {int(k): v for k, v in prices["cpi_annual"].items()}
    return out


# -- expressions ---------------------------------------------------------------------------


def _text(t: ir.Table, column: str) -> ir.StringValue:
    """A source column as trimmed text; '' for null (a missing code is an empty code)."""
    return t[column].cast("string").strip().fill_null("")


def _number(value: ir.StringValue, decimal: str, thousands: str) -> ir.StringValue:
    """A number's text in plain decimal notation (validate casts it)."""
    out = value.strip()
    if thousands:
        out = out.replace(thousands, "")
    if decimal != ".":
        out = out.replace(decimal, ".")
    return out


def _date(value: ir.StringValue, fmt: str) -> ir.StringValue:
    """YYYY-MM-DD text, or the original text when it is no date in ``fmt`` (validate then
    quarantines it as bad_date: never dropped)."""
    v = value.strip()
    # A date written with a time ("931107 00:00:00") keeps its date part.
    n = len(pd.Timestamp(2000, 12, 31).strftime(fmt))
    head = v.substr(0, n)
    parsed = head.as_timestamp(fmt).date().cast("string")
    return ibis.coalesce(parsed, v)


def _matches(t: ir.Table, when: Mapping[str, Any]) -> ir.BooleanValue:
    cond = ibis.literal(True)
    for column, wanted in when.items():
        values = wanted if isinstance(wanted, list) else [wanted]
        cond &= _text(t, column).isin([str(v).strip() for v in values])
    return cond


def _code(t: ir.Table, spec: Mapping[str, Any], where: str) -> ir.StringValue:
    columns = spec.get("columns") or sorted({c for r in spec["rules"] for c in r["when"]})
    for column in columns:
        if column not in t.columns:
            raise ConfigError(f"{where}: code column {column!r} is not in the file")
    cases = []
    for i, rule in enumerate(spec["rules"]):
        target = rule.get("category") or rule.get("kind")
        if target is None or "when" not in rule:
            raise ConfigError(f"{where}: rule {i + 1} needs when = {{...}} and category = ...")
        for column in rule["when"]:
            if column not in t.columns:
                raise ConfigError(f"{where}: rule {i + 1} reads {column!r}, not in the file")
        cases.append((_matches(t, rule["when"]), ibis.literal(str(target))))
    joined = ibis.literal("|").join([_text(t, c) for c in columns])
    return ibis.cases(*cases, else_=ibis.literal(_UNMAPPED).concat(joined))


def _signed(t: ir.Table, amount: ir.StringValue, spec: Mapping[str, Any], where: str) -> ir.Value:
    column = spec.get("column")
    if column not in t.columns:
        raise ConfigError(f"{where}: sign column {column!r} is not in the file")
    code = _text(t, column)
    credit = [str(v).strip() for v in spec.get("credit", [])]
    debit = [str(v).strip() for v in spec.get("debit", [])]
    magnitude = amount.replace("-", "").replace("+", "")
    return ibis.cases(
        (code.isin(credit), magnitude),
        (code.isin(debit), ibis.literal("-").concat(magnitude)),
        else_=ibis.literal(_UNMAPPED).concat(code),
    )


def _table_expr(
    t: ir.Table, name: str, spec: Mapping[str, Any], src: Mapping[str, Any]
) -> ir.Table:
    where = f"[tables.{name}]"
    opts = {**src, **{k: v for k, v in spec.items() if k in _SOURCE_KEYS}}
    decimal, thousands = opts.get("decimal", "."), opts.get("thousands", "")
    date_format = opts.get("date_format", "%Y-%m-%d")
    contract = SCHEMAS[name]
    out: dict[str, ir.Value] = {}
    for column, source in dict(spec.get("columns", {})).items():
        if isinstance(source, dict):
            out[column] = ibis.literal(str(source["value"]))
            continue
        if source not in t.columns:
            raise ConfigError(
                f"{where}: column {source!r} (for {column}) is not in {spec['file']}. "
                f"Hint: its columns are {list(t.columns)}"
            )
        value = t[source].cast("string")
        dtype = contract.column(column).dtype
        if dtype == "date":
            out[column] = _date(value, date_format)
        elif dtype == "float64":
            out[column] = _number(value, decimal, thousands)
        else:
            out[column] = value.strip()
    if "sign" in spec and "amount" in out:
        out["amount"] = _signed(t, out["amount"], spec["sign"], where)
    code_column = _CODE_COLUMN.get(name)
    code_spec = spec.get("category") or spec.get("kind")
    if code_column and code_spec:
        out[code_column] = _code(t, code_spec, where)
    expr = t.select(**out)
    last = spec.get("last_per_day")
    if last:
        expr = _last_per_day(t, out, contract.key, last, spec, where, (decimal, thousands))
    return expr


def _last_per_day(
    t: ir.Table,
    out: Mapping[str, ir.Value],
    key: Sequence[str],
    last: Mapping[str, Any],
    spec: Mapping[str, Any],
    where: str,
    number: tuple[str, str],
) -> ir.Table:
    """End-of-day rows from a running balance on every transaction.

    The day's last row is the one no other row of the day follows, where row k follows
    row j when balance_k - amount_k = balance_j (to the cent): the order of the rows in
    the file or of their ids need not be the order of the day. ``chain = false`` (or no
    ``amount``) takes the row with the largest ``order_by`` instead; it also breaks ties.
    """
    order = last["order_by"]
    if order not in t.columns:
        raise ConfigError(f"{where}: last_per_day.order_by {order!r} is not in the file")
    r = t.select(
        **out,
        _o=t[order].cast("string").strip().try_cast("float64"),
        _s=t[order].cast("string"),
    )
    amount_col = last.get("amount")
    if amount_col:
        if amount_col not in t.columns:
            raise ConfigError(f"{where}: last_per_day.amount {amount_col!r} is not in the file")
        amount = _number(t[amount_col].cast("string"), *number)
        if "sign" in spec:
            amount = _signed(t, amount, spec["sign"], where)
        cents = (_number(t[spec["columns"]["balance"]].cast("string"), *number)).try_cast("float64")
        r = t.select(
            **out,
            _o=t[order].cast("string").strip().try_cast("float64"),
            _s=t[order].cast("string"),
            _bal=(cents * 100).round().cast("int64"),
            _pre=((cents - amount.try_cast("float64")) * 100).round().cast("int64"),
        )
        other = r.select(*[r[k].name(f"_k{i}") for i, k in enumerate(key)], _s2=r._s, _p2=r._pre)
        preds = [r[k] == other[f"_k{i}"] for i, k in enumerate(key)]
        followed = (
            r.semi_join(other, [*preds, r._bal == other._p2, r._s != other._s2])
            .select("_s", *key)
            .distinct()
            .mutate(_f=ibis.literal(1))
        )
        r = r.left_join(followed, ["_s", *key]).select(*r.columns, _f=ibis._._f.fill_null(0))
        # A row no other row follows comes first; a day whose rows all follow one another
        # (a cycle of zero amounts) still keeps one row: nothing is lost.
        r = r.drop("_bal", "_pre")
    else:
        r = r.mutate(_f=ibis.literal(0))
    w = ibis.window(group_by=list(key), order_by=[r._f, ibis.desc(r._o), ibis.desc(r._s)])
    r = r.mutate(_r=ibis.row_number().over(w))
    return r.filter(r._r == 0).drop("_o", "_s", "_r", "_f")


# -- the stage -----------------------------------------------------------------------------


def _read(con: Backend, path: Path, opts: Mapping[str, Any]) -> tuple[ir.Table, pd.DataFrame]:
    """The file as text columns, read once; and its unreadable lines."""
    tag = uuid.uuid4().hex[:10]
    encoding = str(opts.get("encoding", "utf-8")).lower().replace("_", "-")
    delim, quote = opts.get("delimiter", ","), opts.get("quote", '"')
    header = bool(opts.get("header", True))
    # The columns come from the first line, so the reader never guesses the dialect (a
    # small file ending in a cut line defeats DuckDB's sniffer) and reads every value as
    # text; the header row itself is skipped.
    try:
        with path.open(encoding=encoding, newline="") as fh:
            first = next(csv.reader(fh, delimiter=delim, quotechar=quote), [])
    except (UnicodeDecodeError, LookupError) as exc:
        raise DataError(
            f"cannot be read as {encoding} ({exc})",
            file=str(path),
            hint="set encoding in the mapping's [source] section",
        ) from None
    names = [c.strip() for c in first] if header else [f"column{i}" for i in range(len(first))]
    if not names or len(set(names)) != len(names):
        raise DataError(
            f"the header {first} is empty or repeats a column name",
            file=str(path),
            hint="check delimiter and header in the mapping's source section",
        )
    kwargs: dict[str, Any] = {
        "delim": delim,
        "quote": quote,
        "header": header,
        "auto_detect": False,
        "columns": {n: "VARCHAR" for n in names},
        "store_rejects": True,
        "rejects_table": f"rej_{tag}",
        "rejects_scan": f"scan_{tag}",
    }
    if encoding not in ("utf-8", "utf8"):
        kwargs["encoding"] = encoding
    try:
        view = con.read_csv(str(path), table_name=f"raw_{tag}", **kwargs)
        table = con.create_table(f"mapraw_{tag}", view, temp=True)
    except Exception as exc:  # DuckDB's reader raises its own errors
        raise DataError(
            f"unreadable ({type(exc).__name__}: {str(exc).splitlines()[0]})",
            file=str(path),
            hint="check delimiter, quote, header and encoding in the mapping's source section",
        ) from None
    rej = con.table(f"rej_{tag}")
    rejects = con.to_pyarrow(
        rej.group_by("line")
        .aggregate(error=rej.error_message.min(), text=rej.csv_line.min().strip())
        .order_by("line")
    ).to_pandas()
    return table, rejects


def map_extract(
    raw_dir: str | Path,
    mapping: str | Path,
    out_dir: str | Path,
    *,
    con: Backend | None = None,
) -> MapResult:
    """Map the bank's files in ``raw_dir`` to contract tables in ``out_dir`` (see module).

    Raises :class:`~econscope.errors.ConfigError` for a faulty mapping and
    :class:`~econscope.errors.DataError` for a missing or unreadable file.
    """
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    spec = load_mapping(mapping)
    if not raw_dir.is_dir():
        raise DataError(
            "raw data folder not found", file=str(raw_dir), hint="give the bank's extract folder"
        )
    if out_dir.resolve() == raw_dir.resolve():
        raise ConfigError(
            f"the output folder {out_dir} is the raw folder. Hint: pass another --out"
        )
    src = dict(spec.get("source", {}))
    files: dict[str, Path] = {}
    for name, t in spec["tables"].items():
        path = raw_dir / t["file"]
        if not path.is_file():
            raise DataError(
                f"the mapping's file for {name} is missing",
                file=str(path),
                hint=f"put {t['file']} in {raw_dir} or fix [tables.{name}] file",
            )
        files[f"{name}:{t['file']}"] = path

    def compute(out: Path) -> StageOutput:
        engine = con or connect()
        if getattr(engine, "name", "duckdb") != "duckdb":
            raise EngineGapError(
                "the map step reads the bank's files with DuckDB's CSV reader. Hint: run "
                "`econscope smallbiz map` with engine.backend = duckdb, then any engine after"
            )
        meta = out / MAPPING_DIR
        meta.mkdir(parents=True, exist_ok=True)
        report, unmapped, unreadable = [], [], []
        cache: dict[str, tuple[ir.Table, pd.DataFrame, int]] = {}
        for name, t in spec["tables"].items():
            opts = {**src, **{k: v for k, v in t.items() if k in _SOURCE_KEYS}}
            if t["file"] not in cache:
                table, rejects = _read(engine, raw_dir / t["file"], opts)
                cache[t["file"]] = (table, rejects, int(engine.execute(table.count())))
            table, rejects, n = cache[t["file"]]
            expr = _table_expr(table, name, t, src)
            write_parquet(expr, out / f"{name}.parquet")
            written = engine.read_parquet(str(out / f"{name}.parquet"))
            n_out = int(engine.execute(written.count()))
            for r in rejects.itertuples():
                unreadable.append((name, t["file"], int(r.line), str(r.error), str(r.text)))
            coded = [c for c in ("category", "kind", "amount") if c in written.columns]
            for column in coded:
                bad = written.filter(written[column].startswith(_UNMAPPED))
                counts = engine.to_pyarrow(
                    bad.group_by(code=bad[column]).aggregate(rows=bad.count()).order_by("code")
                ).to_pylist()
                what = "sign" if column == "amount" else column
                for c in counts:
                    unmapped.append((name, what, c["code"][len(_UNMAPPED) :], int(c["rows"])))
            any_bad = (
                ibis.or_(*[written[c].startswith(_UNMAPPED) for c in coded]) if coded else None
            )
            n_unmapped = int(engine.execute(written.count(where=any_bad))) if coded else 0
            combined = n - n_out  # rows folded into one end-of-day row (last_per_day)
            report.append(
                (name, t["file"], n + len(rejects), n_out, len(rejects), combined, n_unmapped)
            )
        frames = {
            "report.csv": pd.DataFrame(report, columns=list(_REPORT_COLUMNS)),
            "unmapped.csv": pd.DataFrame(unmapped, columns=["table", "what", "code", "rows"]),
            "unreadable.csv": pd.DataFrame(
                unreadable, columns=["table", "file", "line", "error", "text"]
            ),
        }
        for file, frame in frames.items():
            with atomic_path(meta / file) as tmp:
                frame.to_csv(tmp, index=False)
        outputs = [f"{n}.parquet" for n in spec["tables"]] + [f"{MAPPING_DIR}/{f}" for f in frames]
        if "settings" in spec:
            with atomic_path(meta / "settings.toml") as tmp:
                tmp.write_text(_toml(spec["settings"]), encoding="utf-8")
            outputs.append(f"{MAPPING_DIR}/settings.toml")
        rows = {r[0]: r[3] for r in report} | {"unmapped": sum(r[6] for r in report)}
        return StageOutput(rows=rows, outputs=outputs)

    result = run_stage(
        "map",
        out_dir,
        inputs={**files, "mapping": Path(mapping)},
        settings={"mapping": spec},
        params={},
        compute=compute,
        load=lambda out, manifest: (out, manifest),
    )
    out, manifest = result.value
    settings_file = out / MAPPING_DIR / "settings.toml"
    return MapResult(
        out_dir=out,
        report=pd.read_csv(out / MAPPING_DIR / "report.csv", dtype={"table": str, "file": str}),
        unmapped=pd.read_csv(
            out / MAPPING_DIR / "unmapped.csv", dtype={"code": str}, keep_default_na=False
        ),
        settings_file=settings_file if settings_file.is_file() else None,
        manifest=manifest,
        reused=result.reused,
    )


_REPORT_COLUMNS: Sequence[str] = (
    "table",
    "file",
    "rows_in",
    "rows_out",
    "rows_unreadable",
    "rows_combined",
    "rows_unmapped",
)


def _toml(data: Mapping[str, Any], prefix: str = "") -> str:
    """A small TOML writer for the [settings] of a mapping (tables of scalars and tables)."""
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in data.items() if isinstance(v, dict)}
    lines = []
    if prefix and scalars:
        lines.append(f"[{prefix}]")
    for key, value in scalars.items():
        lines.append(f"{_key(key)} = {_value(value)}")
    text = "\n".join(lines) + ("\n\n" if lines else "")
    for key, value in tables.items():
        if all(not isinstance(v, dict) for v in value.values()):
            name = f"{prefix}.{_key(key)}" if prefix else _key(key)
            body = "\n".join(f"{_key(k)} = {_value(v)}" for k, v in value.items())
            text += f"[{name}]\n{body}\n\n"
        else:
            text += _toml(value, f"{prefix}.{_key(key)}" if prefix else _key(key))
    return text


def _key(key: Any) -> str:
    text = str(key)
    return text if text.replace("_", "").replace("-", "").isalnum() else f'"{text}"'


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
