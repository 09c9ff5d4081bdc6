"""Declarative studies: recompute every quantitative claim of a publication into a ledger.

A study is a YAML file (``study.yaml``) beside a facts file of the numbers the
publication quotes. Each claim names its inputs (facts, or real-data queries such as
``{wdi: NY.GDP.MKTP.KD.ZG, entity: VNM, periods: 2016..2021}``), an indicator function of
:data:`econscope.economies.ledger.FUNCTIONS`, and the figure stated. :func:`run_study`
computes every claim from the facts alone, and, when data files are given (WDI, Comtrade,
BACI), checks each claim against them too, then writes:

```
OUT/ledger.csv            claim_id, claim, inputs, recomputed, stated, verdict, data_check, note
OUT/observations.parquet  entity, indicator, period, value, unit, concept, source, vintage
OUT/charts.csv            the tidy rows every chart draws (chart, series, x, value, unit, source)
OUT/claims.json           the claim results with their numbers (a rerun reloads them)
OUT/report.html, OUT/figures/<chart>.png|.svg
OUT/manifest.json
```

The Vietnam-China study ships with econscope (``run_study("vietnam-china", out)``); any
other study is a path to its ``study.yaml``.

>>> spec = load_study("vietnam-china")
>>> spec.name, len(spec.claims) > 30
('vietnam-china', True)
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa
import yaml

from econscope.config import Settings
from econscope.economies.countries import country
from econscope.economies.indicators import tsi_table
from econscope.economies.ledger import (
    FUNCTIONS,
    Decision,
    Env,
    MissingInput,
    Outcome,
    Stated,
    Value,
    Verdict,
    decide,
    format_value,
)
from econscope.economies.readers import read_any, read_facts
from econscope.engine import Backend, atomic_path, connect, write_parquet
from econscope.errors import ConfigError, DataError, EconscopeWarning
from econscope.stages import Manifest, reusable

__all__ = [
    "LEDGER_COLUMNS",
    "ChartSpec",
    "ClaimResult",
    "ClaimSpec",
    "DataStore",
    "StudyResult",
    "StudySpec",
    "compute_claims",
    "load_data",
    "load_study",
    "run_study",
]

#: Columns of ``ledger.csv``, in order (DESIGN.md, output schemas).
LEDGER_COLUMNS: tuple[str, ...] = (
    "claim_id",
    "claim",
    "inputs",
    "recomputed",
    "stated",
    "verdict",
    "data_check",
    "note",
)
_OBS_COLUMNS = ("entity", "indicator", "period", "value", "unit", "concept", "source", "vintage")
NO_DATA = "not run: no data files given"
_HERE = Path(__file__).resolve().parent


# --------------------------------------------------------------------------- spec
@dataclass(frozen=True)
class ClaimSpec:
    """One claim of a study (see the header of a study.yaml for the fields)."""

    id: str
    section: str
    claim: str
    inputs: Mapping[str, Any]
    compute: Mapping[str, Any]
    stated: Any
    tolerance: float | None = None
    read_as: Mapping[str, str] = field(default_factory=dict)
    windows: Mapping[str, Any] = field(default_factory=dict)
    checkable_with: str = ""
    note: str = ""
    data_check: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ChartSpec:
    """One chart of a study: a kind (line over years, or bars) and its series."""

    id: str
    title: str
    kind: str
    series: tuple[Mapping[str, Any], ...]
    y_title: str = ""
    caption: str = ""
    source: str = "facts"


@dataclass(frozen=True)
class StudySpec:
    """A whole study: its claims, its charts and the facts file they read."""

    name: str
    title: str
    document: str
    facts_path: Path
    claims: tuple[ClaimSpec, ...]
    charts: tuple[ChartSpec, ...]
    path: Path


_CLAIM_KEYS = {f for f in ClaimSpec.__dataclass_fields__}


def _bundled(name: str) -> Path | None:
    candidate = _HERE / name.replace("-", "_") / "study.yaml"
    return candidate if candidate.is_file() else None


def load_study(name_or_path: str | Path) -> StudySpec:
    """Read a study by bundled name (``vietnam-china``) or by the path of its YAML file.

    Raises :class:`~econscope.errors.ConfigError` naming the claim and field at fault.
    """
    path = _bundled(str(name_or_path)) if isinstance(name_or_path, str) else None
    if path is None:
        path = Path(name_or_path)
        if path.is_dir():
            path = path / "study.yaml"
    if not path.is_file():
        raise ConfigError(
            f"no study {str(name_or_path)!r}. Hint: give a bundled name (vietnam-china) or "
            "the path of a study.yaml"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc}). Hint: fix the file") from None
    claims = []
    seen: set[str] = set()
    for i, raw in enumerate(data.get("claims") or []):
        unknown = set(raw) - _CLAIM_KEYS
        missing = {"id", "claim", "inputs", "compute", "stated"} - set(raw)
        where = f"{path}: claim {raw.get('id', i)!r}"
        if unknown or missing:
            raise ConfigError(
                f"{where}: unknown fields {sorted(unknown)}, missing fields {sorted(missing)}. "
                "Hint: see the field list at the top of the bundled study.yaml"
            )
        if raw["id"] in seen:
            raise ConfigError(f"{where}: duplicate claim id. Hint: ids must be unique")
        seen.add(raw["id"])
        fn = (raw["compute"] or {}).get("fn")
        if fn not in FUNCTIONS:
            raise ConfigError(
                f"{where}: unknown indicator function {fn!r}. Hint: use one of "
                + ", ".join(sorted(FUNCTIONS))
            )
        claims.append(
            ClaimSpec(
                **{
                    **raw,
                    "section": raw.get("section", ""),
                    "claim": " ".join(str(raw["claim"]).split()),
                    "note": " ".join(str(raw.get("note", "")).split()),
                    "checkable_with": " ".join(str(raw.get("checkable_with", "")).split()),
                    "inputs": raw["inputs"] or {},
                    "read_as": raw.get("read_as") or {},
                    "windows": raw.get("windows") or {},
                    "data_check": raw.get("data_check") or {},
                }
            )
        )
    charts = tuple(
        ChartSpec(
            id=c["id"],
            title=c["title"],
            kind=c.get("kind", "bar"),
            series=tuple(c.get("series") or ()),
            y_title=c.get("y_title", ""),
            caption=" ".join(str(c.get("caption", "")).split()),
            source=c.get("source", "facts"),
        )
        for c in data.get("charts") or []
    )
    return StudySpec(
        name=str(data.get("study", path.parent.name)),
        title=str(data.get("title", "")),
        document=" ".join(str(data.get("document", "")).split()),
        facts_path=(path.parent / data.get("facts", "facts.yaml")).resolve(),
        claims=tuple(claims),
        charts=charts,
        path=path,
    )


# --------------------------------------------------------------------------- data
@dataclass(frozen=True)
class DataStore:
    """Real-data observations a study can query, by series and vintage, and trade flows.

    ``series[(code, entity, year)]`` lists (value, vintage) for every vintage loaded,
    current first: the current vintage of a code is the one whose data reach the latest
    year (ties: the file given last).
    """

    series: Mapping[tuple[str, str, str], tuple[tuple[float, str], ...]]
    trade: pa.Table | None
    files: tuple[str, ...]
    units: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    con: Backend | None = field(default=None, compare=False, repr=False)

    @property
    def empty(self) -> bool:
        return not self.files

    def lookup(self, code: str, entity: str, period: str) -> tuple[tuple[float, str], ...]:
        return self.series.get((code.upper(), entity, str(period)), ())


def _vintage_label(path: Path, layout: str, vintage: str) -> str:
    if vintage and vintage != "unknown":
        return f"WDI {vintage}" if layout.startswith("wdi") else vintage
    if layout == "wdi_long" and len(path.parents) >= 3:
        return f"WDI long ({path.parents[2].name})"
    return path.stem


def load_data(
    files: Iterable[str | Path],
    *,
    codes: Iterable[str],
    entities: Iterable[str],
    trade_pairs: Iterable[tuple[str, str]] = (),
    con: Backend | None = None,
) -> DataStore:
    """Read real-data files (a folder is searched for CSV files) into a :class:`DataStore`.

    A file no reader takes is skipped with an :class:`~econscope.errors.EconscopeWarning`
    naming it (WDI ``Metadata_*`` files in a folder are left out quietly); so is a trade
    file that holds none of the requested (reporter, partner) pairs, which is then not
    listed as used.

    Only the indicator codes and entities a study names, and the trade flows of the
    (reporter, partner) pairs it names, leave the engine.
    """
    paths: list[Path] = []
    for f in files:
        p = Path(f)
        if p.is_dir():
            paths += sorted(q for q in p.rglob("*.csv") if not q.name.startswith("Metadata_"))
        elif p.is_file():
            paths.append(p)
        else:
            raise DataError("data file not found", file=str(p), hint="check the path")
    if not paths:
        return DataStore({}, None, ())
    con = con or connect()
    pairs = sorted(set(trade_pairs))
    codes = sorted({c.upper() for c in codes})
    entities = sorted(set(entities))
    obs_parts: list[pa.Table] = []
    trade_parts: list[pa.Table] = []
    used: list[str] = []
    for order, path in enumerate(paths):
        try:
            res = read_any(path, con=con)
        except DataError as exc:
            # a file no reader takes is reported, never dropped in silence
            warnings.warn(
                EconscopeWarning(f"{path}: skipped, no reader takes it ({exc})"), stacklevel=2
            )
            continue
        if res.trade is not None:
            t = res.trade
            kept = None
            if pairs:
                keep = ibis.or_(*[(t.reporter == r) & (t.partner == p) for r, p in pairs])
                kept = t.filter(keep).to_pyarrow()
            if kept is not None and kept.num_rows:
                # a trade file is used only when it holds a requested pair
                used.append(str(path))
                trade_parts.append(kept)
            else:
                asked = ", ".join(f"{r}-{p}" for r, p in pairs) or "none"
                warnings.warn(
                    EconscopeWarning(
                        f"{path}: not used, no requested (reporter, partner) pair was found "
                        f"in it (requested: {asked}). Hint: check the file's reporters and "
                        "partners, or drop it from the data files"
                    ),
                    stacklevel=2,
                )
            continue
        used.append(str(path))
        o = res.observations
        o = o.filter(o.indicator.upper().isin(codes) & o.entity.isin(entities))
        vintage = _vintage_label(path, res.layout, "")
        o = o.mutate(
            indicator=o.indicator.upper(),
            vintage=ibis.ifelse(
                o.vintage.isin(["", "unknown"]), ibis.literal(vintage), "WDI " + o.vintage
            ),
            file_order=ibis.literal(order),
        )
        obs_parts.append(o.to_pyarrow())
    series: dict[tuple[str, str, str], list[tuple[float, str, int, int]]] = {}
    units: dict[str, tuple[str, str]] = {}
    if obs_parts:
        frame = pa.concat_tables(obs_parts).to_pandas()
        reach = (
            frame.assign(_year=frame.period.str[:4].astype(int))
            .groupby(["indicator", "vintage"])["_year"]
            .max()
        )
        for row in frame.itertuples(index=False):
            key = (row.indicator, row.entity, row.period)
            series.setdefault(key, []).append(
                (
                    float(row.value),
                    row.vintage,
                    int(reach[(row.indicator, row.vintage)]),
                    row.file_order,
                )
            )
            units.setdefault(row.indicator, (row.unit, row.concept))
    ordered = {
        k: tuple((v, vin) for v, vin, _, _ in sorted(vals, key=lambda t: (-t[2], -t[3])))
        for k, vals in series.items()
    }
    trade = pa.concat_tables(trade_parts) if trade_parts else None
    return DataStore(ordered, trade, tuple(used), units, con)


# --------------------------------------------------------------------------- facts
def _fact_values(path: Path) -> tuple[dict[str, Value], tuple[Any, ...]]:
    res = read_facts(path)
    values = {
        f.fact_id: Value.printed(
            f.value,
            f.raw,
            f.unit,
            label=f.fact_id,
            entity=f.entity,
            indicator=f.indicator,
            period=f.period,
            concept=f.concept,
            vintage=f.vintage,
            source=f.source,
        )
        for f in res.facts
    }
    return values, res.facts


def _lcu(entity: str) -> str:
    """The currency code of a country (WDI's "LCU"), from the core's country table."""
    row = country(entity)
    return (row.currency if row is not None else "") or "LCU"


def _query_values(query: Mapping[str, Any], data: DataStore) -> tuple[Value, ...]:
    code = str(query["wdi"]).upper()
    entity = str(query["entity"])
    if "periods" in query:
        first, _, last = str(query["periods"]).partition("..")
        periods = [str(y) for y in range(int(first), int(last or first) + 1)]
    else:
        periods = [str(query["period"])]
    what = f"WDI {code} for {entity} {periods[0]}" + (f"-{periods[-1]}" if len(periods) > 1 else "")
    if data.empty:
        raise MissingInput(code, f"{what} (pass --data)")
    out = []
    unit, concept = data.units.get(code, ("", ""))
    unit = unit.replace("LCU", _lcu(entity))  # e.g. PA.NUS.FCRF: LCU/USD -> CNY/USD
    for p in periods:
        found = data.lookup(code, entity, p)
        if not found:
            raise MissingInput(code, f"{what}: {p} is not in the data given")
        value, vintage = found[0]
        out.append(
            Value.exact(
                value,
                unit,
                label=f"WDI {code} {entity} {p}",
                entity=entity,
                indicator=code,
                period=p,
                concept=concept or f"wdi:{code}",
                vintage=vintage,
                source="World Bank WDI",
            )
        )
    return tuple(out)


def _resolve(spec: Any, facts: Mapping[str, Value], data: DataStore, claim: str) -> Any:
    if isinstance(spec, str):
        if spec not in facts:
            raise ConfigError(
                f"claim {claim!r}: unknown fact id {spec!r}. Hint: check the facts file"
            )
        return facts[spec]
    if isinstance(spec, Mapping):
        values = _query_values(spec, data)
        return values if "periods" in spec else values[0]
    if isinstance(spec, list):
        items: list[Value] = []
        for s in spec:
            r = _resolve(s, facts, data, claim)
            items.extend(r if isinstance(r, tuple) else (r,))
        return tuple(items)
    raise ConfigError(f"claim {claim!r}: cannot read input {spec!r}")


def _env(inputs: Mapping[str, Any], facts: Mapping[str, Value], data: DataStore, claim: str) -> Env:
    values: dict[str, Any] = {}
    for name, spec in inputs.items():
        try:
            values[name] = _resolve(spec, facts, data, claim)
        except MissingInput as exc:
            values[name] = exc
    return Env(values)


def _stated(spec: Any, facts: Mapping[str, Value], claim: str) -> Value | Stated:
    if isinstance(spec, str):
        return _resolve(spec, facts, DataStore({}, None, ()), claim)
    if isinstance(spec, Mapping) and "holds" in spec:
        return Stated(1.0, 0.0, "bool", "true", holds=bool(spec["holds"]))
    if isinstance(spec, Mapping) and "value" in spec:
        decimals = int(spec.get("decimals", 0))
        return Stated(
            float(spec["value"]),
            0.5 * 10.0**-decimals,
            str(spec.get("unit", "")),
            format_value(float(spec["value"]), str(spec.get("unit", ""))),
            bound=spec.get("bound"),
        )
    raise ConfigError(
        f"claim {claim!r}: stated must be a fact id, {{holds: ...}} or {{value: ...}}"
    )


def _stated_text(stated: Value | Stated, spec: Any) -> str:
    if isinstance(stated, Value):
        return f"{format_value(stated.value, stated.unit)} ({stated.label})"
    if stated.holds is not None:
        return "holds" if stated.holds else "does not hold"
    prefix = {"upper": "at most ", "lower": "at least "}.get(stated.bound or "", "")
    implied = (
        " (implied by the printed levels)"
        if isinstance(spec, Mapping) and spec.get("implied")
        else ""
    )
    return prefix + stated.text + implied


# --------------------------------------------------------------------------- claims
@dataclass(frozen=True)
class ClaimResult:
    """One row of the ledger, with the numbers behind its text."""

    claim_id: str
    section: str
    claim: str
    inputs: str
    recomputed: str
    stated: str
    verdict: Verdict
    data_check: str
    note: str
    value: float | None = None
    stated_value: float | None = None
    data_verdict: str = ""

    def row(self) -> dict[str, str]:
        """The ledger.csv row."""
        return {c: str(getattr(self, c)) for c in LEDGER_COLUMNS}


def _inputs_text(env: Env, spec: ClaimSpec) -> str:
    parts = []
    for name, item in env.values.items():
        if isinstance(item, MissingInput):
            parts.append(f"{name}: missing ({item.what})")
        elif isinstance(item, tuple):
            shown = ", ".join(f"{format_value(v.value, v.unit)} [{v.period}]" for v in item)
            parts.append(f"{name}: {shown}")
        else:
            parts.append(
                f"{name} = {format_value(item.value, item.unit)} [{item.label}; {item.period}; "
                f"{item.concept}; {item.vintage}]"
            )
    return "; ".join(parts) if parts else "none (the article prints no figures for this claim)"


def _compute(spec: ClaimSpec, env: Env) -> Outcome:
    args = dict(spec.compute)
    if spec.windows:
        args.update(spec.windows)
    return FUNCTIONS[args["fn"]](args, env)


def _judge(spec: ClaimSpec, out: Outcome, stated: Value | Stated, env: Env) -> Decision:
    named = {k: v for k, v in env.values.items() if not isinstance(v, MissingInput)}
    return decide(
        out,
        stated,
        env.all_values(),
        read_as=spec.read_as,
        named=named,
        tolerance=spec.tolerance,
    )


def _facts_only(spec: ClaimSpec) -> bool:
    def is_fact(s: Any) -> bool:
        if isinstance(s, str):
            return True
        if isinstance(s, list):
            return all(is_fact(x) for x in s)
        return False

    return all(is_fact(s) for s in spec.inputs.values())


def _claim(spec: ClaimSpec, facts: Mapping[str, Value], data: DataStore) -> ClaimResult:
    env = _env(spec.inputs, facts, data, spec.id)
    stated = _stated(spec.stated, facts, spec.id)
    stated_text = _stated_text(stated, spec.stated)
    note_parts = [spec.note] if spec.note else []
    value: float | None = None
    try:
        out = _compute(spec, env)
    except MissingInput as exc:
        recomputed = f"not computable: {exc.what}"
        verdict: Verdict = "not_checkable"
        note_parts.append(f"What would check it: {(spec.checkable_with or exc.what).rstrip('.')}.")
    else:
        value = out.value
        recomputed = out.text
        if spec.checkable_with and _facts_only(spec):
            verdict = "not_checkable"
            note_parts.append(f"What would check it: {spec.checkable_with.rstrip('.')}.")
        else:
            decision = _judge(spec, out, stated, env)
            verdict = decision.verdict
            reasons = [r for r in decision.reasons if not r.startswith("arithmetic: consistent")]
            if verdict != "inconsistent" or len(reasons) > 1:
                reasons = [
                    r for r in reasons if not r.startswith("arithmetic: inconsistent")
                ] or reasons
            if reasons:
                note_parts.append("Why: " + "; ".join(reasons) + ".")
            if not out.boolean and "arithmetic: consistent_within_rounding" in decision.reasons:
                low, high = format_value(out.low, out.unit, 4), format_value(out.high, out.unit, 4)
                said = format_value(stated.value, stated.unit)
                note_parts.append(
                    f"Inside the rounding of the printed inputs the result ranges from {low} "
                    f"to {high}, which reaches the stated {said}."
                )
    data_verdict, data_text = _data_check(spec, facts, data, env, stated)
    return ClaimResult(
        claim_id=spec.id,
        section=spec.section,
        claim=spec.claim,
        inputs=_inputs_text(env, spec),
        recomputed=recomputed,
        stated=stated_text,
        verdict=verdict,
        data_check=data_text,
        note=" ".join(note_parts),
        value=value,
        stated_value=stated.value if stated.unit != "bool" else None,
        data_verdict=data_verdict,
    )


# --------------------------------------------------------------------------- data checks
def _data_check(
    spec: ClaimSpec,
    facts: Mapping[str, Value],
    data: DataStore,
    env: Env,
    stated: Value | Stated,
) -> tuple[str, str]:
    """(verdict, text) of the claim against real data; ("", NO_DATA) without data."""
    if data.empty:
        return "", NO_DATA
    check = spec.data_check
    if not check:
        if not _facts_only(spec):
            return "", "see verdict (computed with the real data given)"
        return "not_checkable", "not_checkable: no real-data series answers this claim"
    if "unavailable" in check:
        return "not_checkable", "not_checkable: " + " ".join(str(check["unavailable"]).split())
    try:
        if "substitute" in check:
            return _substitute(spec, facts, data, env, stated)
        if "contrast" in check:
            return _contrast(check["contrast"], facts, data, stated)
        if "stated_series" in check:
            return _stated_series(check["stated_series"], data, stated, env, spec)
        if "tsi" in check:
            return _tsi_check(check["tsi"], data)
    except MissingInput as exc:
        return "not_checkable", f"not_checkable: the data given lack {exc.what}"
    raise ConfigError(
        f"claim {spec.id!r}: unknown data_check {sorted(check)}. "
        "Hint: use substitute, contrast, stated_series, tsi or unavailable"
    )


def _substitute(
    spec: ClaimSpec,
    facts: Mapping[str, Value],
    data: DataStore,
    env: Env,
    stated: Value | Stated,
) -> tuple[str, str]:
    values = dict(env.values)
    revisions = []
    for name, query in spec.data_check["substitute"].items():
        new = _resolve(query, facts, data, spec.id)
        old = values.get(name)
        values[name] = new
        if isinstance(old, Value) and isinstance(new, Value) and old.unit == new.unit:
            if abs(old.value - new.value) > old.tolerance + 1e-9 * max(abs(old.value), 1):
                revisions.append(
                    f"{old.label} {format_value(old.value, old.unit)} -> "
                    f"{format_value(new.value, new.unit)} ({new.vintage})"
                )
        elif isinstance(old, tuple) and isinstance(new, tuple):
            changed = [
                f"{n.period} {o.value:g}->{n.value:.2f}"
                for o, n in zip(old, new, strict=False)
                if o.unit == n.unit and abs(o.value - n.value) > o.tolerance + 1e-9
            ]
            if changed:
                revisions.append(f"{name} revised ({new[0].vintage}): " + ", ".join(changed))
    new_env = Env(values)
    out = _compute(spec, new_env)
    decision = _judge(spec, out, stated, new_env)
    vintages = sorted({v.vintage for v in new_env.all_values() if v.source == "World Bank WDI"})
    extra = [r for r in decision.reasons if not r.startswith("arithmetic")]
    text = f"{decision.verdict}: {out.text} [data: {', '.join(vintages)}]"
    if extra:
        text += "; " + "; ".join(extra)
    if revisions:
        text += "; the article's inputs differ from this vintage: " + "; ".join(revisions)
    return decision.verdict, text


def _contrast(
    contrast: Mapping[str, Any], facts: Mapping[str, Value], data: DataStore, stated: Value | Stated
) -> tuple[str, str]:
    (other,) = _query_values(contrast["query"], data)
    verdict = str(contrast["verdict"])
    ratio = stated.value / other.value if other.value else math.nan
    stated_concept = stated.concept if isinstance(stated, Value) else ""
    text = (
        f"{verdict}: the article's {format_value(stated.value, stated.unit)} "
        f"({stated_concept}) vs {format_value(other.value, other.unit)} "
        f"({contrast.get('concept', other.concept)}, {other.label}, {other.vintage}), "
        f"ratio {ratio:.2f}; " + " ".join(str(contrast.get("text", "")).split())
    )
    return verdict, text


def _stated_series(
    query: Mapping[str, Any], data: DataStore, stated: Value | Stated, env: Env, spec: ClaimSpec
) -> tuple[str, str]:
    code, entity, period = str(query["wdi"]).upper(), str(query["entity"]), str(query["period"])
    found = data.lookup(code, entity, period)
    if not found:
        raise MissingInput(code, f"WDI {code} for {entity} {period}")
    tol = stated.tolerance if isinstance(stated, Value) else 0.0
    parts = [f"{vin}: {format_value(v, stated.unit)}" for v, vin in found]
    matches = [i for i, (v, _) in enumerate(found) if abs(v - stated.value) <= tol + 1e-9 * abs(v)]
    try:
        out = _compute(spec, env)
        recomputed = f"; recomputed {out.text}"
    except MissingInput:
        recomputed = ""
    if matches and matches[0] == 0:
        verdict = "consistent"
        why = "the stated figure is the current vintage's"
    elif matches:
        verdict = "mixes_vintages"
        why = (
            f"the stated figure matches an older vintage ({found[matches[0]][1]}), not the "
            f"current one, while its inputs come from another release"
        )
    else:
        verdict = "inconsistent"
        why = "no vintage loaded has the stated figure"
    return (
        verdict,
        f"{verdict}: {why}; {code} {entity} {period} by vintage: {'; '.join(parts)}{recomputed}",
    )


def _tsi_check(spec: Mapping[str, Any], data: DataStore) -> tuple[str, str]:
    table = tsi_frame(spec, data)
    if table.empty:
        raise MissingInput("trade", f"Comtrade flows {spec['reporter']} x {spec['partner']}")
    first_year, last_year = int(table.year.min()), int(table.year.max())
    parts, ok = [], True
    for code, label in spec["codes"].items():
        rows = table[table["product"] == str(code)].set_index("year")["tsi"]
        if rows.empty:
            continue
        a, b = rows.get(first_year), rows.get(last_year)
        if a is None or b is None:
            continue
        parts.append(f"{code} {label}: {a:+.2f} ({first_year}) -> {b:+.2f} ({last_year})")
        if str(code) in {str(c) for c in spec.get("rising", ())} and not b > a:
            ok = False
        if str(code) in {str(c) for c in spec.get("dependent", ())} and not b < -0.5:
            ok = False
    verdict = "consistent" if ok else "inconsistent"
    scope = (
        f"Vietnam's TSI in trade with {spec['reporter']} only ({spec['reporter']}'s reports, "
        "mirrored), not with all partners as in the article"
        if spec.get("mirror")
        else f"TSI of {spec['reporter']} with {spec['partner']}"
    )
    return verdict, f"{verdict} (partial check: {scope}): " + "; ".join(parts)


def tsi_frame(spec: Mapping[str, Any], data: DataStore) -> pd.DataFrame:
    """TSI per product and year from the trade flows (columns product, label, year, x, m,
    tsi). With ``mirror``, the partner's TSI from the reporter's flows: the reporter's
    imports are the partner's exports."""
    if data.trade is None:
        return pd.DataFrame(columns=["product", "label", "year", "x", "m", "tsi"])
    first, _, last = str(spec.get("years", "1900..2100")).partition("..")
    t = ibis.memtable(data.trade)
    codes = [str(c) for c in spec["codes"]]
    t = t.filter(
        (t.reporter == spec["reporter"])
        & (t.partner == spec["partner"])
        & t["product"].isin(codes)
        & (t.period.cast("int64") >= int(first))
        & (t.period.cast("int64") <= int(last or first))
    )
    if spec.get("mirror"):
        t = t.mutate(flow=t.flow.cases(("export", "import"), ("import", "export"), else_=t.flow))
    con = data.con or connect()
    frame = con.to_pyarrow(tsi_table(t, by=("period", "product"))).to_pandas()
    frame["year"] = frame.period.astype(int)
    frame["label"] = frame["product"].map({str(k): v for k, v in spec["codes"].items()})
    return frame.sort_values(["product", "year"]).reset_index(drop=True)


def compute_claims(
    spec: StudySpec, facts: Mapping[str, Value], data: DataStore
) -> tuple[ClaimResult, ...]:
    """Every claim of ``spec`` computed and judged (pure: no files written)."""
    return tuple(_claim(c, facts, data) for c in spec.claims)


# --------------------------------------------------------------------------- charts
def _chart_rows(
    spec: StudySpec,
    facts: Mapping[str, Value],
    data: DataStore,
    claims: Sequence[ClaimResult],
) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    by_id = {c.claim_id: c for c in claims}
    for chart in spec.charts:
        for s in chart.series:
            items: list[Value] = []
            try:
                if "facts" in s:
                    items = [facts[f] for f in s["facts"]]
                elif "wdi" in s:
                    items = list(_query_values(s, data))
                elif "claims" in s:
                    wanted = "stated_value" if s.get("field") == "stated" else "value"
                    items = [
                        Value.exact(getattr(by_id[c], wanted), "", label=c, source="ledger")
                        for c in s["claims"]
                        if getattr(by_id[c], wanted) is not None
                    ]
            except MissingInput:
                continue
            xs = s.get("x") or [v.period for v in items]
            scale = float(s.get("scale", 1.0))
            for v, x in zip(items, xs, strict=False):
                rows.append(
                    {
                        "chart": chart.id,
                        "series": s.get("label", ""),
                        "x": str(x),
                        "value": v.value / scale,
                        "unit": s.get("unit", v.unit),
                        "source": v.source
                        if v.source != "World Bank WDI"
                        else f"WDI ({v.vintage})",
                    }
                )
        if chart.source == "tsi":
            tsi_spec = next(
                (c.data_check["tsi"] for c in spec.claims if "tsi" in c.data_check), None
            )
            if tsi_spec is not None:
                frame = tsi_frame(tsi_spec, data)
                for r in frame.itertuples(index=False):
                    if r.tsi is None or (isinstance(r.tsi, float) and math.isnan(r.tsi)):
                        continue
                    rows.append(
                        {
                            "chart": chart.id,
                            "series": f"{r.product} {r.label}",
                            "x": str(r.year),
                            "value": float(r.tsi),
                            "unit": "index",
                            "source": "UN Comtrade (mirrored)",
                        }
                    )
    return pd.DataFrame(rows, columns=["chart", "series", "x", "value", "unit", "source"])


# --------------------------------------------------------------------------- run
@dataclass(frozen=True)
class StudyResult:
    """A finished study run: the ledger (one tidy table, :data:`LEDGER_COLUMNS`), the
    claim results behind it, the chart rows, and the files written."""

    name: str
    out_dir: Path
    ledger: pd.DataFrame
    claims: tuple[ClaimResult, ...]
    charts: pd.DataFrame
    ledger_path: Path
    observations_path: Path
    report_path: Path | None
    figures: tuple[Path, ...]
    data_files: tuple[str, ...]
    reused: bool = False

    def verdicts(self) -> dict[str, str]:
        """claim_id -> verdict."""
        return {c.claim_id: c.verdict for c in self.claims}

    def claim(self, claim_id: str) -> ClaimResult:
        """The result of one claim (KeyError naming the known ids otherwise)."""
        for c in self.claims:
            if c.claim_id == claim_id:
                return c
        raise KeyError(
            f"no claim {claim_id!r}; known: {', '.join(c.claim_id for c in self.claims)}"
        )


def _observations(
    facts_raw: Sequence[Any], data: DataStore, claims: Sequence[ClaimResult]
) -> pa.Table:
    rows = [
        {
            "entity": f.entity,
            "indicator": f.indicator,
            "period": f.period,
            "value": float(f.value),
            "unit": f.unit,
            "concept": f.concept,
            "source": f.source,
            "vintage": f.vintage,
        }
        for f in facts_raw
    ]
    for (code, entity, period), found in sorted(data.series.items()):
        unit, concept = data.units.get(code, ("", ""))
        for value, vintage in found:
            rows.append(
                {
                    "entity": entity,
                    "indicator": code,
                    "period": period,
                    "value": value,
                    "unit": unit,
                    "concept": concept,
                    "source": "World Bank WDI",
                    "vintage": vintage,
                }
            )
    schema = pa.schema([(c, pa.float64() if c == "value" else pa.string()) for c in _OBS_COLUMNS])
    return pa.Table.from_pylist(rows, schema=schema)


def _queries(spec: StudySpec) -> tuple[set[str], set[str], set[tuple[str, str]]]:
    codes: set[str] = set()
    entities: set[str] = set()
    pairs: set[tuple[str, str]] = set()

    def visit(node: Any) -> None:
        if isinstance(node, Mapping):
            if "wdi" in node:
                codes.add(str(node["wdi"]).upper())
                entities.add(str(node.get("entity", "")))
            if "reporter" in node and "partner" in node:
                pairs.add((str(node["reporter"]), str(node["partner"])))
            for v in node.values():
                visit(v)
        elif isinstance(node, list | tuple):
            for v in node:
                visit(v)

    for c in spec.claims:
        visit(c.inputs)
        visit(c.data_check)
    for ch in spec.charts:
        visit(list(ch.series))
    return codes, entities, pairs


def run_study(
    name_or_path: str | Path,
    out_dir: str | Path,
    data_files: Sequence[str | Path] = (),
    settings: Settings | None = None,
    *,
    con: Backend | None = None,
    report: bool = True,
) -> StudyResult:
    """Compute every claim of a study and write the ledger, observations and report.

    ``name_or_path``: a bundled study (``"vietnam-china"``) or a study.yaml path;
    ``data_files``: WDI / Comtrade / BACI files or folders (optional: without them the
    ledger is computed from the facts file alone and ``data_check`` says so). A rerun
    with the same study, facts, data and settings reuses the outputs without reading the
    data again.

    >>> import tempfile
    >>> r = run_study("vietnam-china", tempfile.mkdtemp(), report=False)
    >>> r.verdicts()["jan_apr_2022_balance_by_sector"]
    'consistent'
    """
    settings = settings or Settings()
    spec = load_study(name_or_path)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    missing = [str(f) for f in data_files if not Path(f).exists()]
    if missing:
        raise DataError("data file not found", file=missing[0], hint="check the path")
    inputs: dict[str, str | Path] = {"study": spec.path, "facts": spec.facts_path}
    inputs.update({f"data{i}": Path(f) for i, f in enumerate(data_files)})
    planned = Manifest.build(
        f"study:{spec.name}",
        inputs=inputs,
        settings=settings.to_manifest(),
        params={"report": report},
    )
    done = reusable(out, planned)
    if done is not None:
        return _reload(spec, out, done)
    facts, facts_raw = _fact_values(spec.facts_path)
    codes, entities, pairs = _queries(spec)
    data = load_data(
        data_files,
        codes=codes,
        entities=entities,
        trade_pairs=pairs,
        con=con or connect(settings.engine),
    )
    claims = compute_claims(spec, facts, data)
    result = StudyResult(
        name=spec.name,
        out_dir=out,
        ledger=pd.DataFrame([c.row() for c in claims], columns=list(LEDGER_COLUMNS)),
        claims=claims,
        charts=_chart_rows(spec, facts, data, claims),
        ledger_path=out / "ledger.csv",
        observations_path=out / "observations.parquet",
        report_path=None,
        figures=(),
        data_files=data.files,
    )
    _write_tables(result, _observations(facts_raw, data, claims))
    if report:
        from econscope.report.economies import render_study_report

        page, figures = render_study_report(result, spec)
        result = replace(result, report_path=page, figures=figures)
    outputs = [*_TABLE_FILES, *([] if result.report_path is None else ["report.html"])]
    outputs += [str(p.relative_to(out)) for p in result.figures]
    planned.finished(
        rows={"claims": len(claims), "chart_rows": len(result.charts)}, outputs=outputs
    ).write(out)
    return result


_TABLE_FILES = ("ledger.csv", "charts.csv", "claims.json", "observations.parquet")


def _write_tables(result: StudyResult, observations: pa.Table) -> None:
    out = result.out_dir
    with atomic_path(result.ledger_path) as tmp:
        result.ledger.to_csv(tmp, index=False)
    with atomic_path(out / "charts.csv") as tmp:
        result.charts.to_csv(tmp, index=False)
    body = {"data_files": list(result.data_files), "claims": [asdict(c) for c in result.claims]}
    with atomic_path(out / "claims.json") as tmp:
        tmp.write_text(json.dumps(body, indent=1, allow_nan=True), encoding="utf-8")
    write_parquet(observations, result.observations_path)


def _reload(spec: StudySpec, out: Path, done: Manifest) -> StudyResult:
    """The result of a finished run, from its files (nothing is recomputed)."""
    body = json.loads((out / "claims.json").read_text(encoding="utf-8"))
    claims = tuple(ClaimResult(**c) for c in body["claims"])
    charts = pd.read_csv(out / "charts.csv", dtype={"x": str, "series": str})
    return StudyResult(
        name=spec.name,
        out_dir=out,
        ledger=pd.DataFrame([c.row() for c in claims], columns=list(LEDGER_COLUMNS)),
        claims=claims,
        charts=charts,
        ledger_path=out / "ledger.csv",
        observations_path=out / "observations.parquet",
        report_path=out / "report.html" if "report.html" in done.outputs else None,
        figures=tuple(out / p for p in done.outputs if p.startswith("figures/")),
        data_files=tuple(body["data_files"]),
        reused=True,
    )
