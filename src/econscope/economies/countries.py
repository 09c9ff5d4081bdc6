"""Country codes and names, and the known size of each economy.

Countries are joined on ISO3. The shipped table ``data/countries.csv`` holds, for every
ISO 3166 country and every WDI aggregate: iso3, iso_numeric, comtrade_code (UN Comtrade
and CEPII BACI use their own codes for a few: USA 842, France 251, Italy 381, Norway 579,
Switzerland 757, India 699, and Taiwan as "Other Asia, nes" 490), the WDI name, kind
(``country`` or ``aggregate``), the currency and name variants ("Vietnam", "Viet Nam",
"mainland China", "Rep. of Korea", "Hong Kong SAR", Portuguese names used by Comtrade+
extracts, ...). ``data/entity_sizes.csv`` holds rounded 2021 GDP (current US$), population
and the official exchange rate (LCU per US$), used only for order-of-magnitude checks.

>>> to_iso3("Vietnam"), to_iso3("Viet Nam"), to_iso3("VNM"), to_iso3("Rep. of Korea")
('VNM', 'VNM', 'VNM', 'KOR')
>>> iso3_from_comtrade(490), iso3_from_comtrade("842"), iso3_from_comtrade(0)
('TWN', 'USA', 'WLD')
>>> is_aggregate("WLD"), is_aggregate("CHN")
(True, False)
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pyarrow as pa

__all__ = [
    "Country",
    "EntitySize",
    "comtrade_codes_arrow",
    "countries",
    "country",
    "country_arrow",
    "currency_home",
    "entity_size",
    "is_aggregate",
    "iso3_from_comtrade",
    "name_key",
    "name_keys_arrow",
    "to_iso3",
]


@dataclass(frozen=True)
class Country:
    """One row of the shipped code table."""

    iso3: str
    iso_numeric: str
    comtrade_code: str
    name: str
    kind: str
    currency: str
    variants: tuple[str, ...]


@dataclass(frozen=True)
class EntitySize:
    """Rounded size of an economy (or region) in a reference year, for plausibility checks."""

    entity: str
    year: int
    gdp_usd: float | None
    population: float | None
    lcu_per_usd: float | None
    source: str


def name_key(name: str) -> str:
    """The key names are matched on: lower case, every run of non [a-z0-9] one space.

    The same rule is applied in the engine (``lower`` and a regex replace), so Python and
    engine joins agree; accented letters become spaces on both sides.

    >>> name_key("Côte d'Ivoire") == name_key("CÔTE D'IVOIRE")
    True
    >>> name_key("Hong Kong SAR, China")
    'hong kong sar china'
    """
    return re.sub(r"[^0-9a-z]+", " ", name.lower()).strip()


def _read_csv(filename: str) -> list[dict[str, str]]:
    text = resources.files("econscope.economies").joinpath("data", filename).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def countries() -> tuple[Country, ...]:
    """Every row of the shipped code table (countries first, then WDI aggregates)."""
    return tuple(
        Country(
            iso3=r["iso3"],
            iso_numeric=r["iso_numeric"],
            comtrade_code=r["comtrade_code"],
            name=r["name"],
            kind=r["kind"],
            currency=r["currency"],
            variants=tuple(v for v in r["variants"].split("|") if v),
        )
        for r in _read_csv("countries.csv")
    )


@cache
def _by_iso3() -> dict[str, Country]:
    return {c.iso3: c for c in countries()}


@cache
def _by_name() -> dict[str, str]:
    seen: dict[str, set[str]] = {}
    for c in countries():
        for n in (c.name, *c.variants):
            seen.setdefault(name_key(n), set()).add(c.iso3)
    # A key claimed by two entities would join wrongly: it is left out (match on ISO3).
    return {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}


@cache
def _by_comtrade() -> dict[str, str]:
    out: dict[str, str] = {}
    for c in countries():
        if c.comtrade_code:
            out.setdefault(c.comtrade_code, c.iso3)
        if c.iso_numeric and c.iso_numeric not in out and c.kind == "country":
            out.setdefault(c.iso_numeric, c.iso3)
    return out


def country(iso3: str) -> Country | None:
    """The table row of ``iso3``, or None."""
    return _by_iso3().get(iso3.upper())


def to_iso3(name_or_code: str) -> str | None:
    """ISO3 of a country or WDI aggregate from its code or any known name; None if unknown."""
    s = name_or_code.strip()
    if s.upper() in _by_iso3():
        return s.upper()
    return _by_name().get(name_key(s))


def iso3_from_comtrade(code: int | str) -> str | None:
    """ISO3 of a UN Comtrade / BACI country code (0 = World = ``WLD``); None if unknown."""
    s = str(code).strip()
    if s.isdigit():
        s = str(int(s))
    return _by_comtrade().get(s)


def is_aggregate(iso3: str) -> bool:
    """Whether ``iso3`` is a WDI aggregate (region, income group, World), not a country."""
    c = country(iso3)
    return c is not None and c.kind == "aggregate"


def currency_home(currency: str) -> str | None:
    """The economy whose exchange rate stands for ``currency`` (EUR: Germany)."""
    if currency.upper() == "EUR":
        return "DEU"
    for c in countries():
        if c.currency == currency.upper() and c.kind == "country":
            return c.iso3
    return None


@cache
def _sizes() -> dict[str, EntitySize]:
    def num(x: str) -> float | None:
        return float(x) if x else None

    return {
        r["entity"]: EntitySize(
            r["entity"],
            int(r["year"]),
            num(r["gdp_usd"]),
            num(r["population"]),
            num(r["lcu_per_usd"]),
            r["source"],
        )
        for r in _read_csv("entity_sizes.csv")
    }


def entity_size(entity: str) -> EntitySize | None:
    """The shipped rounded size of ``entity`` (ISO3, or CN-GD / CN-JS / CN-SZ), or None.

    >>> entity_size("VNM").population
    98900000.0
    """
    key = entity.strip()
    return _sizes().get(key) or _sizes().get(to_iso3(key) or "")


def country_arrow() -> pa.Table:
    """The code table as Arrow (iso3, iso_numeric, comtrade_code, name, kind, currency)."""
    rows = countries()
    return pa.table(
        {
            "iso3": [c.iso3 for c in rows],
            "iso_numeric": [c.iso_numeric or None for c in rows],
            "comtrade_code": [c.comtrade_code or None for c in rows],
            "name": [c.name for c in rows],
            "kind": [c.kind for c in rows],
            "currency": [c.currency or None for c in rows],
        }
    )


def name_keys_arrow() -> pa.Table:
    """Every unambiguous name key with its ISO3 (name_key, iso3), for joins on names."""
    items = sorted(_by_name().items())
    return pa.table({"name_key": [k for k, _ in items], "iso3": [v for _, v in items]})


def comtrade_codes_arrow() -> pa.Table:
    """Every Comtrade / BACI code with its ISO3 (code, iso3), for joins on codes."""
    items = sorted(_by_comtrade().items())
    return pa.table({"code": [k for k, _ in items], "iso3": [v for _, v in items]})
