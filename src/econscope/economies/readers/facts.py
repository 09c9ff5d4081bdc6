"""Facts files: numbers quoted from publications, each with its citation and sentence.

A facts file (CSV, or YAML: a list of mappings or ``{facts: [...]}``) has one row per
number with columns ``fact_id, entity, indicator, period, value, unit, concept, source,
vintage, quote, raw`` and optional ``note`` and ``measure``:

- ``value`` + ``unit``: the number in base units as the fact's author reads it
  (``176.35e9`` ``USD`` for "1763.5 Billion dollars", which stands for 1763.5亿美元);
- ``raw``: the phrase exactly as printed; ``quote``: the sentence it comes from;
- ``source``: the citation; ``vintage``: the release or publication date;
- ``measure`` (optional: population, gdp, trade, exports, imports, trade_balance,
  revenue, fdi): turns on the plausibility check against the entity's known size.

The reader parses ``raw`` with :func:`~econscope.economies.units.parse_quantity` and
records, per fact, whether the stated value is its literal reading (``consistent``),
another reading of a mangled scale word (``consistent_reading``, naming it), or none
(``inconsistent``: the stated value is kept and the mismatch reported). Entities that
are countries are stored as ISO3; others (regions, firms) keep their id.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, fields
from pathlib import Path

import ibis
import pyarrow as pa
import yaml

from econscope.economies.countries import to_iso3
from econscope.economies.observations import Observation, observations_table
from econscope.economies.periods import parse_period
from econscope.economies.readers._common import REJECTED_SCHEMA, REPORT_SCHEMA, LoadResult
from econscope.economies.units import MEASURE_BOUNDS, check_plausibility, parse_quantity
from econscope.engine import Backend
from econscope.errors import DataError

__all__ = ["FACT_COLUMNS", "Fact", "check_fact", "read_facts", "write_facts"]

FACT_COLUMNS: tuple[str, ...] = (
    "fact_id",
    "entity",
    "indicator",
    "period",
    "value",
    "unit",
    "concept",
    "source",
    "vintage",
    "quote",
    "raw",
)
_OPTIONAL = ("note", "measure")


@dataclass(frozen=True)
class Fact:
    """One quoted number with its citation, sentence and printed form."""

    fact_id: str
    entity: str
    indicator: str
    period: str
    value: float
    unit: str
    concept: str
    source: str
    vintage: str
    quote: str
    raw: str
    note: str = ""
    measure: str = ""

    @property
    def observation(self) -> Observation:
        """The fact as an Observation (entity as ISO3 when it is a country)."""
        return Observation(
            to_iso3(self.entity) or self.entity,
            self.indicator,
            self.period,
            self.value,
            self.unit,
            self.concept,
            self.source,
            self.vintage,
            note=f"fact {self.fact_id}",
        )


@dataclass(frozen=True)
class FactCheck:
    """How a fact's ``raw`` reads against its stated value, and its plausibility."""

    fact_id: str
    raw_status: str
    reading: str
    readings: str
    plausibility: str
    plausibility_reason: str
    flag: str
    qualifier: str = ""
    value_read: float | None = None


def check_fact(fact: Fact) -> FactCheck:
    """Parse ``fact.raw`` and compare every reading with ``fact.value`` / ``fact.unit``.

    >>> f = Fact("x", "VNM", "trade", "2022Q1", 176.35e9, "USD", "", "s", "v", "q",
    ...          "1763.5 Billion dollars", measure="trade")
    >>> c = check_fact(f)
    >>> c.raw_status, c.reading, c.plausibility
    ('consistent_reading', "machine translation of 亿 as 'billion' = 1e8", 'plausible')
    """
    raw_status, reading, readings, qualifier = "no_raw", "", "", ""
    value_read: float | None = None
    if fact.raw.strip():
        try:
            parsed = parse_quantity(fact.raw)
        except DataError:
            raw_status = "unparseable"
        else:
            readings = "; ".join(
                f"{r.value:.6g} {r.unit} ({r.note})".replace("  ", " ") for r in parsed.readings
            )
            qualifier = parsed.qualifier
            value = fact.value
            if parsed.unit == "percent" and fact.unit == "ratio":
                value = fact.value * 100
            if (
                parsed.unit
                and parsed.unit != fact.unit
                and not (parsed.unit == "percent" and fact.unit == "ratio")
            ):
                raw_status = "unit_mismatch"
                reading = f"raw is in {parsed.unit}, value in {fact.unit}"
            else:
                # a fraction or a number word is exact: the fact's decimals are its rounding
                match = parsed.matching(value, rel_tol=1e-4 if parsed.exact else 1e-6)
                value_read = None if match is None else match.value
                if match is None:
                    raw_status = "inconsistent"
                    reading = f"stated {fact.value:.6g} is no reading of {fact.raw!r}"
                elif match == parsed.readings[0]:
                    raw_status, reading = "consistent", match.note
                else:
                    raw_status, reading = "consistent_reading", match.note
    plaus, why, flag = "unchecked", "no measure given", ""
    if fact.measure:
        if fact.measure not in MEASURE_BOUNDS:
            raise DataError(
                f"fact {fact.fact_id}: unknown measure {fact.measure!r}",
                column="measure",
                hint=f"use one of {sorted(MEASURE_BOUNDS)} or leave it empty",
            )
        p = check_plausibility(
            fact.value,
            fact.unit,
            entity=to_iso3(fact.entity) or fact.entity,
            measure=fact.measure,  # type: ignore[arg-type]
            period=fact.period,
        )
        plaus, why = p.status, p.reason
        if p.status == "implausible":
            flag = (
                f"{fact.fact_id}: value {fact.value:.4g} {fact.unit} is a likely misread magnitude"
            )
    return FactCheck(
        fact.fact_id, raw_status, reading, readings, plaus, why, flag, qualifier, value_read
    )


def _rows(path: Path) -> list[dict[str, object]]:
    if path.suffix.lower() in {".yaml", ".yml"}:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            data = data.get("facts")
        if not isinstance(data, list):
            raise DataError(
                "a YAML facts file is a list of facts or {facts: [...]}", file=str(path)
            )
        return [dict(d) for d in data]
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def read_facts(path: str | Path, *, con: Backend | None = None) -> LoadResult:
    """Read a facts file; every fact is checked (``LoadResult.checks``).

    A row with an unreadable value or period, or without one of the fields of
    ``FACT_COLUMNS`` (reason ``missing_field``; checked on every row, so a YAML fact that
    leaves out its unit or concept is not kept), is rejected with its reason; a duplicate
    ``fact_id`` or a CSV without one of the columns is a DataError.
    """
    del con  # facts files are small: built in Python, registered as an in-memory table
    path = Path(path)
    if not path.exists():
        raise DataError("file not found", file=str(path), hint="check the path")
    rows = _rows(path)
    if rows and path.suffix.lower() not in (".yaml", ".yml"):
        # a CSV's header is its first row's keys; YAML facts are checked row by row below
        missing = [c for c in FACT_COLUMNS if c not in rows[0]]
        if missing:
            raise DataError(
                f"missing columns {missing}",
                file=str(path),
                hint=f"a facts file has {', '.join(FACT_COLUMNS)} (+ note, measure)",
            )
    facts: list[Fact] = []
    rejected: list[dict[str, str]] = []
    seen: set[str] = set()
    for row in rows:
        rec = {k: ("" if row.get(k) is None else str(row.get(k))) for k in FACT_COLUMNS + _OPTIONAL}
        if rec["fact_id"] in seen:
            raise DataError(
                f"duplicate fact_id {rec['fact_id']!r}", file=str(path), column="fact_id"
            )
        seen.add(rec["fact_id"])
        reason = ""
        # every row carries every field (a blank CSV cell is a present, empty field); a
        # YAML fact without e.g. its unit or concept is rejected, not kept with ""
        if any(row.get(c) is None for c in FACT_COLUMNS if c != "value"):
            reason = "missing_field"
        try:
            value = float(rec["value"])
            if not math.isfinite(value):
                reason = reason or "non_numeric"
        except ValueError:
            reason = reason or ("missing_value" if not rec["value"].strip() else "non_numeric")
            value = math.nan
        if not reason:
            try:
                rec["period"] = parse_period(rec["period"]).label
            except DataError:
                reason = "bad_period"
        if reason:
            rejected.append(
                {
                    "file": path.name,
                    "layout": "facts",
                    "reason": reason,
                    "entity_raw": rec["entity"],
                    "indicator": rec["indicator"],
                    "period": rec["period"],
                    "value_raw": rec["value"],
                }
            )
            continue
        facts.append(Fact(**{**rec, "value": value}))  # type: ignore[arg-type]
    checks = [check_fact(f) for f in facts]
    obs = [f.observation for f in facts]
    observations = observations_table(obs)
    aggregates = observations.limit(0)
    rej_arrow = pa.Table.from_pylist(rejected, schema=REJECTED_SCHEMA.to_pyarrow())
    report_rows = [{"outcome": "read", "reason": "", "rows": len(rows)}]
    if facts:
        report_rows.append({"outcome": "kept", "reason": "entity", "rows": len(facts)})
    reasons: dict[str, int] = {}
    for r in rejected:
        reasons[r["reason"]] = reasons.get(r["reason"], 0) + 1
    report_rows += [
        {"outcome": "rejected", "reason": k, "rows": n} for k, n in sorted(reasons.items())
    ]
    report = pa.Table.from_pylist(
        [{"file": path.name, "layout": "facts", **r} for r in report_rows], schema=REPORT_SCHEMA
    )
    check_table = pa.table(
        {f.name: [getattr(c, f.name) for c in checks] for f in fields(FactCheck)},
        schema=pa.schema(
            [
                (f.name, pa.float64() if f.name == "value_read" else pa.string())
                for f in fields(FactCheck)
            ]
        ),
    )
    return LoadResult(
        "facts",
        path.name,
        observations,
        aggregates,
        ibis.memtable(rej_arrow),
        report,
        checks=check_table,
        facts=tuple(facts),
    )


def write_facts(facts: list[Fact], path: str | Path) -> Path:
    """Write facts to a CSV (or YAML by suffix) that :func:`read_facts` reads back."""
    path = Path(path)
    cols = list(FACT_COLUMNS) + list(_OPTIONAL)
    rows = [{c: getattr(f, c) for c in cols} for f in facts]
    from econscope.engine import atomic_path

    with atomic_path(path) as tmp:
        if path.suffix.lower() in {".yaml", ".yml"}:
            tmp.write_text(
                yaml.safe_dump({"facts": rows}, allow_unicode=True, sort_keys=False), "utf-8"
            )
        else:
            with tmp.open("w", encoding="utf-8", newline="") as fh:
                w = csv.DictWriter(fh, fieldnames=cols)
                w.writeheader()
                w.writerows(rows)
    return path
