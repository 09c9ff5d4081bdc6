"""Temporary stand-ins for the economies core (branch ``econ``), removed at the merge.

Same names and signatures as ``econscope.economies.indicators`` and
``econscope.economies.readers``, reduced to what the study runner calls.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import yaml

from econscope.engine import Backend, connect
from econscope.errors import DataError


@dataclass(frozen=True)
class AverageGrowth:
    value: float
    method: str
    n: int


def average_growth(
    rates: Sequence[float], method: Literal["arithmetic", "geometric"] = "arithmetic"
) -> AverageGrowth:
    n = len(rates)
    if method == "arithmetic":
        return AverageGrowth(sum(rates) / n, method, n)
    return AverageGrowth(math.prod(1 + g for g in rates) ** (1 / n) - 1, method, n)


@dataclass(frozen=True)
class Decomposition:
    total_growth: float
    base_values: dict[str, float]


def decompose_growth(current: Mapping[str, float], rates: Mapping[str, float]) -> Decomposition:
    base = {k: current[k] / (1 + rates[k]) for k in current}
    return Decomposition(sum(current.values()) / sum(base.values()) - 1, base)


def tsi_table(trade: ir.Table, *, by: Sequence[str]) -> ir.Table:
    t = trade.filter(trade.flow.isin(["export", "import"]))
    w = t.group_by(list(by)).aggregate(
        x=t.value.sum(where=t.flow == "export").fill_null(0.0),
        m=t.value.sum(where=t.flow == "import").fill_null(0.0),
    )
    return w.mutate(tsi=ibis.ifelse(w.x + w.m == 0, ibis.null(float), (w.x - w.m) / (w.x + w.m)))


@dataclass(frozen=True)
class Fact:
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


@dataclass(frozen=True)
class LoadResult:
    layout: str
    file: str
    observations: ir.Table
    trade: ir.Table | None = None
    facts: tuple[Any, ...] = ()


def read_facts(path: str | Path, *, con: Backend | None = None) -> LoadResult:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    rows = data["facts"] if isinstance(data, dict) else data
    keys = Fact.__dataclass_fields__
    facts = tuple(
        Fact(**{k: (float(v) if k == "value" else str(v)) for k, v in r.items() if k in keys})
        for r in rows
    )
    return LoadResult("facts", Path(path).name, None, None, facts)  # type: ignore[arg-type]


_WDI = {
    "NY.GDP.MKTP.CD": ("USD", "GDP, value added, current prices"),
    "NY.GDP.MKTP.KD.ZG": ("percent", "GDP growth, constant prices"),
    "BX.KLT.DINV.CD.WD": ("USD", "FDI, balance of payments net inflow"),
    "SP.POP.TOTL": ("persons", "population, midyear"),
    "PA.NUS.FCRF": ("LCU/USD", "official exchange rate, period average"),
    "AG.SRF.TOTL.K2": ("km2", "surface area"),
}


def read_any(path: str | Path, *, con: Backend | None = None) -> LoadResult:
    path = Path(path)
    con = con or connect()
    with path.open(encoding="utf-8-sig") as fh:
        head = next(csv.reader(fh))
    if head[:4] == ["Country Name", "Country Code", "Year", "Value"]:
        t = con.read_csv(str(path), all_varchar=True)
        code = path.parent.name.upper()
        unit, concept = _WDI.get(code, ("", ""))
        obs = t.select(
            entity=t["Country Code"],
            indicator=ibis.literal(code),
            period=t["Year"],
            value=t["Value"].try_cast("float64"),
            unit=ibis.literal(unit),
            concept=ibis.literal(concept),
            source=ibis.literal("World Bank WDI"),
            vintage=ibis.literal("unknown"),
        )
        return LoadResult("wdi_long", path.name, obs.filter(obs.value.notnull()))
    if "Trade Flow Code" in head and "Trade Value (US$)" in head:
        t = con.read_csv(str(path), all_varchar=True)
        flow = t["Trade Flow Code"].cases(("1", "import"), ("2", "export"), else_="other")
        trade = t.select(
            period=t["Year"],
            reporter=t["Reporter ISO"],
            partner=t["Partner ISO"],
            classification=t["Classification"],
            product=t["Commodity Code"],
            flow=flow,
            value=t["Trade Value (US$)"].try_cast("float64"),
            unit=ibis.literal("USD"),
            source=ibis.literal("UN Comtrade"),
            vintage=ibis.literal("unknown"),
        )
        return LoadResult("comtrade", path.name, trade.limit(0), trade)
    raise DataError("unknown layout", file=str(path))
