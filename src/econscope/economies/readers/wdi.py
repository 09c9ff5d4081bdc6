"""World Bank WDI readers: the bulk CSV, the DataBank extract and the long CSV.

- Bulk CSV (``API_<code>_DS2_en_csv_v2_<n>.csv``): UTF-8 BOM, four preamble lines
  ("Data Source", "Last Updated Date"), then Country Name, Country Code, Indicator Name,
  Indicator Code and one column per year, each line ending in a comma. Also read when
  re-saved without the preamble. The vintage is the "Last Updated Date" when present.
- DataBank extract: Country Name, Country Code, Series Name, Series Code, ``2010
  [YR2010]`` ..., ``..`` for missing, a footer of notes (rejected as ``footer``).
- Long CSV: ``Country Name,Country Code,Year,Value`` for one indicator (its code from
  ``indicator=`` or the folder name, as in ``indicators/ny.gdp.mktp.cd/data.csv``).

Countries join on ISO3; aggregates (World, regions, income groups) are kept apart.
Units and concepts come from the indicator code (:func:`wdi_unit_concept`).
"""

from __future__ import annotations

import re
from pathlib import Path

import ibis
import pyarrow as pa

from econscope.economies.readers._common import (
    LoadResult,
    default_con,
    finish,
    parse_number,
    read_text_csv,
    resolve_entity,
)
from econscope.engine import Backend
from econscope.errors import DataError

__all__ = ["read_wdi", "read_wdi_databank", "read_wdi_long", "wdi_unit_concept"]

_YEAR_COL = re.compile(r"^\d{4}$")
_DATABANK_COL = re.compile(r"^(\d{4}) \[YR\d{4}\]$")

#: Concepts of the WDI series the studies use (the rest take their unit from the code).
_CONCEPTS = {
    "NY.GDP.MKTP.CD": ("USD", "GDP, value added, current prices"),
    "NY.GDP.MKTP.KD": ("USD", "GDP, value added, constant 2015 prices"),
    "NY.GDP.MKTP.KD.ZG": ("percent", "GDP growth, constant prices"),
    "BX.KLT.DINV.CD.WD": ("USD", "FDI, balance of payments net inflow"),
    "SP.POP.TOTL": ("persons", "population, midyear"),
    "TX.VAL.MRCH.CD.WT": ("USD", "merchandise exports"),
    "TM.VAL.MRCH.CD.WT": ("USD", "merchandise imports"),
    "NE.EXP.GNFS.ZS": ("percent", "exports of goods and services, share of GDP"),
    "NE.IMP.GNFS.ZS": ("percent", "imports of goods and services, share of GDP"),
    "PA.NUS.FCRF": ("LCU/USD", "official exchange rate, period average"),
    "AG.SRF.TOTL.K2": ("km2", "surface area"),
    "AG.LND.TOTL.K2": ("km2", "land area"),
}


def wdi_unit_concept(code: str) -> tuple[str, str]:
    """(unit, concept) of a WDI indicator code.

    >>> wdi_unit_concept("NY.GDP.MKTP.CD")
    ('USD', 'GDP, value added, current prices')
    >>> wdi_unit_concept("NV.IND.TOTL.ZS")
    ('percent', '')
    """
    code = code.upper()
    if code in _CONCEPTS:
        return _CONCEPTS[code]
    if code.endswith((".ZS", ".ZG", ".ZS.UN")):
        return "percent", ""
    if code.endswith((".CD", ".KD", ".CD.WD")):
        return "USD", ""
    if code.endswith(".K2"):
        return "km2", ""
    return "", ""


def _unit_concept_exprs(code_col: ibis.Value) -> tuple[ibis.Value, ibis.Value]:
    units = ibis.cases(
        *[(code_col == k, v[0]) for k, v in _CONCEPTS.items()],
        (code_col.re_search(r"\.(ZS|ZG)(\.UN)?$"), "percent"),
        (code_col.re_search(r"\.(CD|KD)(\.WD)?$"), "USD"),
        (code_col.re_search(r"\.K2$"), "km2"),
        else_="",
    )
    concepts = ibis.cases(*[(code_col == k, v[1]) for k, v in _CONCEPTS.items()], else_="")
    return units, concepts


def _preamble(path: Path) -> tuple[int, str]:
    """Lines before the header, and the 'Last Updated Date' if the preamble has one."""
    with path.open(encoding="utf-8-sig", errors="replace") as fh:
        head = [fh.readline() for _ in range(10)]
    for i, line in enumerate(head):
        if line.lstrip('"').startswith("Country Name"):
            updated = ""
            for pre in head[:i]:
                m = re.match(r'"?Last Updated Date"?,"?([0-9-]+)', pre)
                if m:
                    updated = m.group(1)
            return i, updated
    raise DataError(
        "no 'Country Name' header in the first 10 lines",
        file=str(path),
        hint="this is not a WDI bulk CSV; see econscope economies load --layout",
    )


def read_wdi(
    path: str | Path,
    *,
    con: Backend | None = None,
    vintage: str | None = None,
    source: str = "World Bank WDI",
) -> LoadResult:
    """Read a WDI bulk CSV (with or without its preamble) into observations.

    ``vintage`` defaults to the preamble's Last Updated Date, else ``unknown``.
    """
    path = Path(path)
    con = default_con(con)
    skip, updated = _preamble(path)
    t = read_text_csv(con, path, skip=skip)
    need = ["Country Name", "Country Code", "Indicator Code"]
    if any(c not in t.columns for c in need):
        raise DataError(f"missing columns {need}", file=str(path), hint="not a WDI bulk CSV")
    years = [c for c in t.columns if _YEAR_COL.match(c)]
    if not years:
        raise DataError("no year columns", file=str(path), hint="not a WDI bulk CSV")
    long = t.select("Country Name", "Country Code", "Indicator Code", *years).pivot_longer(
        years, names_to="period", values_to="value_raw"
    )
    return _finish_wide(long, path, "wdi_bulk", vintage or updated or "unknown", source)


def _finish_wide(
    long: ibis.Table, path: Path, layout: str, vintage: str, source: str
) -> LoadResult:
    long = resolve_entity(long, "Country Code", "iso3")
    code = long["Indicator Code"].strip()
    unit, concept = _unit_concept_exprs(code)
    cand = long.select(
        entity_raw=long["Country Code"],
        iso3=long.iso3,
        kind=long.kind,
        indicator=code,
        period=long.period,
        value_raw=long.value_raw,
        value=parse_number(long.value_raw),
        unit=unit,
        concept=concept,
        source=ibis.literal(f"{source} ({path.name})"),
        vintage=ibis.literal(vintage),
    )
    cand = cand.mutate(indicator=cand.indicator.fill_null(""))
    obs, agg, rej, rep = finish(cand, file=path.name, layout=layout)
    return LoadResult(layout, path.name, obs, agg, rej, rep)


def read_wdi_databank(
    path: str | Path,
    *,
    con: Backend | None = None,
    vintage: str = "unknown",
    source: str = "World Bank WDI DataBank",
) -> LoadResult:
    """Read a WDI DataBank extract (``2010 [YR2010]`` columns, ``..`` for missing).

    Footer lines ("Data from database: ...", "Last Updated: ...") have no series code and
    are rejected as ``footer``.
    """
    path = Path(path)
    con = default_con(con)
    t = read_text_csv(con, path, footer_ok=True)
    need = ["Country Code", "Series Code"]
    if any(c not in t.columns for c in need):
        raise DataError(f"missing columns {need}", file=str(path), hint="not a DataBank extract")
    years = {c: _DATABANK_COL.match(c).group(1) for c in t.columns if _DATABANK_COL.match(c)}  # type: ignore[union-attr]
    if not years:
        raise DataError("no '2010 [YR2010]' columns", file=str(path), hint="not a DataBank extract")
    t = t.rename({f"y{y}": c for c, y in years.items()})
    ycols = [f"y{y}" for y in years.values()]
    long = t.select(
        *ycols,
        entity_raw=t["Country Code"].fill_null(t["Country Name"].fill_null("")),
        code=t["Series Code"],
    ).pivot_longer(ycols, names_to="ycol", values_to="value_raw")
    long = resolve_entity(long, "entity_raw", "iso3")
    code = long.code.strip()
    unit, concept = _unit_concept_exprs(code)
    cand = long.select(
        entity_raw=long.entity_raw,
        iso3=long.iso3,
        kind=long.kind,
        indicator=code.fill_null(""),
        period=long.ycol.substr(1),
        value_raw=long.value_raw,
        value=parse_number(long.value_raw),
        unit=unit,
        concept=concept,
        source=ibis.literal(f"{source} ({path.name})"),
        vintage=ibis.literal(vintage),
        _footer=long.code.isnull(),
    )
    obs, agg, rej, rep = _finish_with_footer(cand, path.name, "wdi_databank")
    return LoadResult("wdi_databank", path.name, obs, agg, rej, rep)


def _finish_with_footer(
    cand: ibis.Table, file: str, layout: str
) -> tuple[ibis.Table, ibis.Table, ibis.Table, pa.Table]:
    # Footer lines ("Data from database: ...") would read as unknown countries: they are
    # given their own reason, checked before every other rule.
    footer = cand._footer
    cand = cand.mutate(
        value_raw=ibis.ifelse(footer, "footer", cand.value_raw),
        value=ibis.ifelse(footer, ibis.literal(0.0), cand.value),
        iso3=ibis.ifelse(footer, ibis.literal("footer"), cand.iso3),
    ).drop("_footer")
    return finish(
        cand,
        file=file,
        layout=layout,
        extra_reason=ibis.ifelse(cand.iso3 == "footer", "footer", ibis.null(str)),
    )


def read_wdi_long(
    path: str | Path,
    *,
    indicator: str | None = None,
    con: Backend | None = None,
    vintage: str = "unknown",
    source: str = "World Bank WDI",
) -> LoadResult:
    """Read a long WDI CSV ``Country Name,Country Code,Year,Value`` of one indicator.

    ``indicator`` defaults to the parent folder's name upper-cased when it looks like a
    WDI code (``indicators/ny.gdp.mktp.cd/data.csv`` -> ``NY.GDP.MKTP.CD``).
    """
    path = Path(path)
    con = default_con(con)
    if indicator is None:
        parent = path.parent.name
        if re.match(r"^[a-z]{2}(\.[a-z0-9]+)+$", parent, re.IGNORECASE):
            indicator = parent.upper()
        else:
            raise DataError(
                "which indicator does this long file hold?",
                file=str(path),
                hint="pass indicator='NY.GDP.MKTP.CD' (or --indicator on the command line)",
            )
    t = read_text_csv(con, path)
    need = ["Country Code", "Year", "Value"]
    if any(c not in t.columns for c in need):
        raise DataError(f"missing columns {need}", file=str(path), hint="not a long WDI CSV")
    t = t.select(c_code=t["Country Code"], c_year=t.Year, c_value=t.Value)
    t = resolve_entity(t, "c_code", "iso3")
    unit, concept = wdi_unit_concept(indicator)
    year = t.c_year.strip()
    cand = t.select(
        entity_raw=t.c_code,
        iso3=t.iso3,
        kind=t.kind,
        indicator=ibis.literal(indicator),
        period=ibis.ifelse(year.re_search(r"^\d{4}$"), year, ibis.null(str)),
        value_raw=t.c_value,
        value=parse_number(t.c_value),
        unit=ibis.literal(unit),
        concept=ibis.literal(concept),
        source=ibis.literal(f"{source} ({path.parent.name}/{path.name})"),
        vintage=ibis.literal(vintage),
    )
    obs, agg, rej, rep = finish(cand, file=path.name, layout="wdi_long")
    return LoadResult("wdi_long", path.name, obs, agg, rej, rep)
