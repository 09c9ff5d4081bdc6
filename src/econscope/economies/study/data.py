"""The study's inputs as Observations: facts, real data by series and vintage, rates.

:func:`load_data` reads WDI, Comtrade and BACI files (a folder is searched for CSV
files) and keeps only the series, entities and trade pairs the study names.
:func:`resolve` turns a claim's input (a fact id, a list, a WDI query, a rate query)
into Observations; an input the data given cannot supply becomes a
:class:`~.claims.Missing` marker that still knows the series' concept (from the WDI
code), so the concept check runs without the data. :class:`ReferenceRates` holds the
study's reference exchange rates: each period's average, end-of-period rate and range
of daily rates, against which a conversion is judged.
"""

from __future__ import annotations

import csv
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

from econscope.economies.countries import country
from econscope.economies.load import expand_inputs
from econscope.economies.observations import Observation
from econscope.economies.readers import read_any, read_facts
from econscope.economies.readers.facts import Fact, FactCheck, check_fact
from econscope.economies.readers.wdi import wdi_unit_concept
from econscope.economies.study.claims import Item, Missing, format_value
from econscope.economies.study.spec import Query, RateQuery, StudySpec
from econscope.engine import Backend, connect
from econscope.errors import ConfigError, DataError, EconscopeWarning

__all__ = [
    "FACTS_COLUMNS",
    "DataStore",
    "FactsTable",
    "ReferenceRate",
    "ReferenceRates",
    "fact_observations",
    "load_data",
    "queries",
    "resolve",
]

#: Columns of ``facts.csv``: one row per fact, with how its printed phrase reads.
FACTS_COLUMNS: tuple[str, ...] = (
    "fact_id",
    "text",
    "value_read",
    "value",
    "unit",
    "value_text",
    "qualifier",
    "reading",
    "raw_status",
    "plausibility",
    "plausibility_reason",
    "period",
    "concept",
    "vintage",
    "quote",
)


# --------------------------------------------------------------------------- data store
@dataclass(frozen=True)
class DataStore:
    """Real-data observations by series and vintage, and trade flows.

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


NO_DATA = DataStore({}, None, ())


def _vintage_label(path: Path, layout: str) -> str:
    if layout == "wdi_long" and len(path.parents) >= 3:
        return f"WDI long ({path.parents[2].name})"
    return path.stem


def _expand(files: Iterable[str | Path]) -> list[Path]:
    return expand_inputs(list(files), suffixes=(".csv",))


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
    file that holds none of the requested (reporter, partner) pairs. Only the indicator
    codes and entities a study names, and the trade flows of the pairs it names, leave
    the engine.
    """
    paths = _expand(files)
    if not paths:
        return NO_DATA
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
        vintage = _vintage_label(path, res.layout)
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
        table = pa.concat_tables(obs_parts)
        rows = table.to_pylist()
        reach: dict[tuple[str, str], int] = {}
        for r in rows:
            key = (r["indicator"], r["vintage"])
            reach[key] = max(reach.get(key, 0), int(str(r["period"])[:4]))
        for r in rows:
            series.setdefault((r["indicator"], r["entity"], r["period"]), []).append(
                (
                    float(r["value"]),
                    r["vintage"],
                    reach[(r["indicator"], r["vintage"])],
                    r["file_order"],
                )
            )
            units.setdefault(r["indicator"], (r["unit"], r["concept"]))
    ordered = {
        k: tuple((v, vin) for v, vin, _, _ in sorted(vals, key=lambda t: (-t[2], -t[3])))
        for k, vals in series.items()
    }
    trade = pa.concat_tables(trade_parts) if trade_parts else None
    return DataStore(ordered, trade, tuple(used), units, con)


# --------------------------------------------------------------------------- rates
@dataclass(frozen=True)
class ReferenceRate:
    """A currency pair over one period: average, end-of-period rate and the range of
    daily rates (``low``..``high``), local currency per base."""

    pair: str
    period: str
    average: float
    end: float
    low: float
    high: float
    source: str


@dataclass(frozen=True)
class ReferenceRates:
    """The study's reference exchange rates (a CSV: pair, period, average, end, low,
    high, source)."""

    rates: Mapping[tuple[str, str], ReferenceRate]

    @classmethod
    def from_csv(cls, path: Path | None) -> ReferenceRates:
        if path is None:
            return cls({})
        if not path.is_file():
            raise ConfigError(f"the study's rates file {path} does not exist. Hint: fix `rates:`")
        out = {}
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                try:
                    r = ReferenceRate(
                        row["pair"],
                        row["period"],
                        *(float(row[k]) for k in ("average", "end", "low", "high")),
                        row["source"],
                    )
                except (KeyError, ValueError) as exc:
                    raise ConfigError(
                        f"{path}: bad row {row} ({exc}). Hint: columns pair, period, average, "
                        "end, low, high, source"
                    ) from None
                out[(r.pair, r.period)] = r
        return cls(out)

    def get(self, pair: str, period: str) -> ReferenceRate | None:
        return self.rates.get((pair, period))


# --------------------------------------------------------------------------- facts
@dataclass(frozen=True)
class FactsTable:
    """The facts as Observations, the raw facts and their checks."""

    observations: Mapping[str, Observation]
    facts: tuple[Fact, ...]
    checks: Mapping[str, FactCheck]

    def rows(self) -> list[dict[str, Any]]:
        """The rows of ``facts.csv`` (:data:`FACTS_COLUMNS`)."""
        out = []
        for f in self.facts:
            c = self.checks[f.fact_id]
            out.append(
                {
                    "fact_id": f.fact_id,
                    "text": f.raw,
                    "value_read": c.value_read,
                    "value": f.value,
                    "unit": f.unit,
                    "value_text": format_value(float(f.value), f.unit),
                    "qualifier": c.qualifier,
                    "reading": c.reading,
                    "raw_status": c.raw_status,
                    "plausibility": c.plausibility,
                    "plausibility_reason": c.plausibility_reason,
                    "period": f.period,
                    "concept": f.concept,
                    "vintage": f.vintage,
                    "quote": " ".join(f.quote.split()),
                }
            )
        return out


def fact_observations(path: Path) -> FactsTable:
    """Every fact of a facts file as an Observation with the interval its printed digits
    allow (a calendar year is exact); qualifiers stay in the checks (the verdict reads
    them)."""
    res = read_facts(path)
    checks = {f.fact_id: check_fact(f) for f in res.facts}
    obs = {}
    for f in res.facts:
        if f.concept == "calendar year":
            # a year is exact: "1986" is not 1985.5 to 1986.5
            obs[f.fact_id] = Observation(
                f.entity,
                f.indicator,
                f.period,
                f.value,
                f.unit,
                concept=f.concept,
                source=f.source,
                vintage=f.vintage,
                label=f.fact_id,
            )
            continue
        obs[f.fact_id] = Observation.printed(
            f.entity,
            f.indicator,
            f.period,
            f.value,
            f.unit,
            raw=f.raw,
            concept=f.concept,
            source=f.source,
            vintage=f.vintage,
            label=f.fact_id,
        )
    return FactsTable(obs, tuple(res.facts), checks)


# --------------------------------------------------------------------------- inputs
def _lcu(entity: str) -> str:
    row = country(entity)
    return (row.currency if row is not None else "") or "LCU"


def _currency_entity(currency: str) -> str:
    return {"CNY": "CHN", "VND": "VNM", "JPY": "JPN", "KRW": "KOR"}.get(currency, "")


def _query(q: Query, data: DataStore, name: str) -> Item:
    code = q.wdi.upper()
    periods = q.years()
    what = f"WDI {code} for {q.entity} {periods[0]}" + (
        f"-{periods[-1]}" if len(periods) > 1 else ""
    )
    unit, concept = data.units.get(code) or wdi_unit_concept(code)
    unit = unit.replace("LCU", _lcu(q.entity))
    if data.empty:
        return Missing(name, f"{what} (pass --data)", concept, q.entity, periods[0], what)
    out = []
    for p in periods:
        found = data.lookup(code, q.entity, p)
        if not found:
            return Missing(
                name, f"{what}: {p} is not in the data given", concept, q.entity, p, what
            )
        value, vintage = found[0]
        out.append(
            Observation(
                q.entity,
                code,
                p,
                value,
                unit,
                concept=concept,
                source="World Bank WDI",
                vintage=vintage,
                label=f"WDI {code} {q.entity} {p}",
            )
        )
    return tuple(out) if q.periods is not None else out[0]


def _rate(q: RateQuery, data: DataStore, rates: ReferenceRates, name: str) -> Item:
    local, _, base = q.rate.partition("/")
    entity = _currency_entity(local)
    found = data.lookup("PA.NUS.FCRF", entity, q.period) if entity and base == "USD" else ()
    if found:
        value, vintage = found[0]
        return Observation(
            entity,
            "PA.NUS.FCRF",
            q.period,
            value,
            q.rate,
            concept="exchange rate, period average",
            source="World Bank WDI",
            vintage=vintage,
            label=f"WDI PA.NUS.FCRF {entity} {q.period}",
        )
    ref = rates.get(q.rate, q.period)
    if ref is None:
        return Missing(
            name, f"the {q.period} average {q.rate} rate (WDI PA.NUS.FCRF or the study's rates)"
        )
    if not data.empty and q.period.isdigit():
        warnings.warn(
            EconscopeWarning(
                f"no WDI PA.NUS.FCRF for {entity or local} {q.period} in the data given: the "
                f"study's reference rate {ref.average:g} {q.rate} ({ref.source}) is used. "
                "Hint: add PA.NUS.FCRF to the data files"
            ),
            stacklevel=2,
        )
    return Observation(
        entity or local,
        "fx",
        q.period,
        ref.average,
        q.rate,
        concept="exchange rate, period average",
        source=ref.source,
        vintage=ref.source,
        label=f"{q.rate} {q.period} average ({ref.source})",
    )


def resolve(
    spec: Any,
    facts: Mapping[str, Observation],
    data: DataStore,
    rates: ReferenceRates,
    claim: str,
    name: str = "",
) -> Item:
    """One input of a claim as Observations (or a Missing marker)."""
    if isinstance(spec, str):
        if spec not in facts:
            raise ConfigError(
                f"claim {claim!r}: unknown fact id {spec!r}. Hint: check the facts file"
            )
        return facts[spec]
    if isinstance(spec, Query):
        return _query(spec, data, name)
    if isinstance(spec, RateQuery):
        return _rate(spec, data, rates, name)
    if isinstance(spec, list):
        items: list[Observation] = []
        for s in spec:
            r = resolve(s, facts, data, rates, claim, name)
            if isinstance(r, Missing):
                return r
            items.extend(r if isinstance(r, tuple) else (r,))
        return tuple(items)
    raise ConfigError(f"claim {claim!r}: cannot read input {spec!r}")


def queries(spec: StudySpec) -> tuple[set[str], set[str], set[tuple[str, str]]]:
    """The WDI codes, entities and trade pairs a study asks of real data."""
    codes: set[str] = {"PA.NUS.FCRF"}
    entities: set[str] = {"CHN", "VNM"}
    pairs: set[tuple[str, str]] = set()

    def visit(node: Any) -> None:
        if isinstance(node, Query):
            codes.add(node.wdi.upper())
            entities.add(node.entity)
        elif isinstance(node, dict):
            for v in node.values():
                visit(v)
        elif isinstance(node, list | tuple):
            for v in node:
                visit(v)

    for c in spec.claims:
        visit(c.inputs)
        if c.data_check is not None:
            if c.data_check.substitute:
                visit(c.data_check.substitute)
            if c.data_check.contrast:
                visit(c.data_check.contrast.query)
            if c.data_check.stated_series:
                visit(c.data_check.stated_series)
            if c.data_check.tsi:
                pairs.add((c.data_check.tsi.reporter, c.data_check.tsi.partner))
    for ch in spec.charts:
        for s in ch.series:
            if s.wdi and s.entity:
                codes.add(s.wdi.upper())
                entities.add(s.entity)
    return codes, entities, pairs
