"""UN Comtrade readers: the legacy export (35 or 12 columns) and the Comtrade+ layout.

- Legacy (``Trade Value (US$)``): Classification, Year, [Period], Trade Flow Code,
  Reporter Code, Partner Code, Commodity Code, ... Flow codes 1 import, 2 export,
  3 re-export, 4 re-import. The short 12-column variant drops the ISO and detail columns.
- Comtrade+ (2023+): ``flowCode`` X / M / RX / RM, ``cmdCode``, ``refYear`` or
  ``period``, ``primaryValue`` (or ``primaryValueFormated`` with thousands commas),
  reporter and partner as ``reporterISO`` / ``reporterCode`` / ``reporterDesc``; comma
  or semicolon separated.

Countries join on Comtrade codes (USA 842, Taiwan "Other Asia, nes" 490, World 0) or
names. Partner 0 (World) is the reporter's total: it is kept as partner ``WLD`` and never
summed with the partners (the report counts those rows as ``partner_world``). HS codes
that lost their leading zero ("1" for chapter 01) are restored to an even length.
"""

from __future__ import annotations

from pathlib import Path

import ibis
import ibis.expr.types as ir

from econscope.economies.readers._common import (
    TRADE_SCHEMA,
    LoadResult,
    default_con,
    finish,
    parse_number,
    read_text_csv,
    resolve_entity,
)
from econscope.engine import Backend
from econscope.errors import DataError

__all__ = ["FLOW_CODES", "read_comtrade", "read_comtrade_plus", "trade_observations"]

#: Comtrade flow codes, legacy and Comtrade+.
FLOW_CODES: dict[str, str] = {
    "1": "import",
    "2": "export",
    "3": "re-export",
    "4": "re-import",
    "M": "import",
    "X": "export",
    "RX": "re-export",
    "RM": "re-import",
}


def _flow(code: ir.StringValue) -> ir.StringValue:
    c = code.strip().upper()
    return ibis.cases(*[(c == k, v) for k, v in FLOW_CODES.items()], else_=ibis.null(str))


def restore_product_code(code: ir.StringValue, classification: ir.StringValue) -> ir.StringValue:
    """HS codes are 2, 4 or 6 digits: an odd-length HS code lost a leading zero."""
    c = code.strip()
    is_hs = classification.upper().startswith("H") & c.re_search(r"^[0-9]+$")
    return ibis.ifelse(is_hs & (c.length() % 2 == 1), ibis.literal("0").concat(c), c)


def trade_observations(trade: ir.Table) -> ir.Table:
    """Trade flows as observations: entity = reporter, indicator =
    ``trade.<flow>.<partner>.<classification>.<product>``, concept = ``gross trade``."""
    return trade.select(
        entity=trade.reporter,
        indicator=ibis.literal("trade.").concat(
            trade.flow, ".", trade.partner, ".", trade.classification, ".", trade.product
        ),
        period=trade.period,
        value=trade.value,
        unit=trade.unit,
        concept=ibis.literal("gross trade"),
        source=trade.source,
        vintage=trade.vintage,
    )


def _finish_trade(
    t: ir.Table,
    *,
    file: str,
    layout: str,
    source: str,
    vintage: str,
    period: ir.StringValue,
    flow_raw: ir.StringValue,
    classification: ir.StringValue,
    product: ir.StringValue,
    value_raw: ir.StringValue,
    thousands: bool,
    scale: float = 1.0,
) -> LoadResult:
    flow = _flow(flow_raw)
    cand = t.mutate(
        _period=period,
        _flow=flow,
        _class=classification,
        _product=restore_product_code(product, classification),
        _value_raw=value_raw,
    )
    cand = cand.select(
        entity_raw=cand.reporter_raw,
        iso3=cand.iso3,
        kind=ibis.ifelse(cand.iso3.isnull(), ibis.null(str), ibis.literal("country")),
        partner_raw=cand.partner_raw,
        partner=cand.partner,
        indicator=ibis.literal("trade.").concat(cand._flow.fill_null("?")),
        flow=cand._flow,
        classification=cand._class,
        product=cand._product,
        period=cand._period,
        value_raw=cand._value_raw,
        value=parse_number(cand._value_raw, thousands=thousands) * scale,
        unit=ibis.literal("USD"),
        concept=ibis.literal("gross trade"),
        source=ibis.literal(f"{source} ({file})"),
        vintage=ibis.literal(vintage),
    )
    extra = ibis.cases(
        (cand.flow.isnull(), "unknown_flow"),
        (cand.partner.isnull(), "unknown_partner"),
        else_=ibis.null(str),
    )
    # The report counts World-partner rows apart: they are totals, not a partner.
    cand = cand.mutate(
        kind=ibis.ifelse((cand.partner == "WLD") & cand.kind.notnull(), "partner_world", cand.kind)
    )
    _obs, _agg, rej, rep = finish(cand, file=file, layout=layout, extra_reason=extra)
    kept_rows = cand.filter(
        cand.iso3.notnull()
        & cand.partner.notnull()
        & cand.flow.notnull()
        & cand.value.notnull()
        & cand.period.notnull()
    )
    trade = kept_rows.select(
        period=kept_rows.period,
        reporter=kept_rows.iso3,
        partner=kept_rows.partner,
        classification=kept_rows.classification,
        product=kept_rows.product,
        flow=kept_rows.flow,
        value=kept_rows.value.cast("float64"),
        unit=kept_rows.unit,
        source=kept_rows.source,
        vintage=kept_rows.vintage,
    ).cast(TRADE_SCHEMA)
    observations = trade_observations(trade)
    empty = observations.limit(0)
    return LoadResult(layout, file, observations, empty, rej, rep, trade=trade)


def read_comtrade(
    path: str | Path,
    *,
    con: Backend | None = None,
    vintage: str = "unknown",
    source: str = "UN Comtrade",
) -> LoadResult:
    """Read a legacy Comtrade export (35-column or short 12-column) into trade flows."""
    path = Path(path)
    con = default_con(con)
    t = read_text_csv(con, path)
    need = [
        "Trade Flow Code",
        "Reporter Code",
        "Partner Code",
        "Commodity Code",
        "Trade Value (US$)",
    ]
    missing = [c for c in need if c not in t.columns]
    if missing:
        raise DataError(
            f"missing columns {missing}", file=str(path), hint="not a legacy Comtrade export"
        )
    layout = "comtrade_legacy" if len(t.columns) >= 30 else "comtrade_short"
    # Narrow to safe lower-case names first: DuckDB identifiers ignore case, and the
    # file's "Partner" would collide with the derived "partner".
    t = t.select(
        c_year=t.Year,
        c_period=t.Period if "Period" in t.columns else ibis.null(str),
        c_flow=t["Trade Flow Code"],
        reporter_raw=t["Reporter Code"],
        partner_raw=t["Partner Code"],
        c_class=t.Classification if "Classification" in t.columns else ibis.literal(""),
        c_product=t["Commodity Code"],
        c_value=t["Trade Value (US$)"],
    )
    t = _with_partner(resolve_entity(t, "reporter_raw", "comtrade"), "comtrade")
    year = t.c_year.strip()
    per = t.c_period.strip()
    period = ibis.ifelse(
        per.re_search(r"^\d{6}$"), per.substr(0, 4).concat("-", per.substr(4, 2)), year
    )
    return _finish_trade(
        t,
        file=path.name,
        layout=layout,
        source=source,
        vintage=vintage,
        period=ibis.ifelse(period.re_search(r"^\d{4}(-\d{2})?$"), period, ibis.null(str)),
        flow_raw=t.c_flow,
        classification=t.c_class.strip(),
        product=t.c_product,
        value_raw=t.c_value,
        thousands=False,
    )


def _with_partner(t: ir.Table, how: str) -> ir.Table:
    p = resolve_entity(t.select("partner_raw").distinct(), "partner_raw", how).select(  # type: ignore[arg-type]
        p_raw="partner_raw", partner="iso3"
    )
    return t.left_join(p, t.partner_raw == p.p_raw).drop("p_raw")


def read_comtrade_plus(
    path: str | Path,
    *,
    con: Backend | None = None,
    vintage: str = "unknown",
    source: str = "UN Comtrade+",
) -> LoadResult:
    """Read a Comtrade+ extract (``,`` or ``;`` separated; formatted numbers allowed)."""
    path = Path(path)
    con = default_con(con)
    with path.open(encoding="utf-8-sig", errors="replace") as fh:
        header = fh.readline()
    delim = ";" if header.count(";") > header.count(",") else ","
    t = read_text_csv(con, path, delim=delim)
    cols = set(t.columns)

    def side(prefix: str) -> tuple[str, str]:
        for suffix, how in (("ISO", "iso3"), ("Code", "comtrade"), ("Desc", "name")):
            if f"{prefix}{suffix}" in cols:
                return f"{prefix}{suffix}", how
        raise DataError(
            f"no {prefix}ISO, {prefix}Code or {prefix}Desc column",
            file=str(path),
            hint="not a Comtrade+ extract",
        )

    value_col = next((c for c in ("primaryValue", "primaryValueFormated") if c in cols), None)
    if value_col is None or "flowCode" not in cols or "cmdCode" not in cols:
        raise DataError(
            "missing flowCode, cmdCode or primaryValue",
            file=str(path),
            hint="not a Comtrade+ extract",
        )
    rcol, rhow = side("reporter")
    pcol, phow = side("partner")
    t = t.select(
        reporter_raw=t[rcol],
        partner_raw=t[pcol],
        c_period=t.period if "period" in cols else ibis.null(str),
        c_year=t.refYear if "refYear" in cols else ibis.null(str),
        c_flow=t.flowCode,
        c_class=t.classificationCode if "classificationCode" in cols else ibis.literal(""),
        c_product=t.cmdCode,
        c_value=t[value_col],
    )
    t = _with_partner(resolve_entity(t, "reporter_raw", rhow), phow)  # type: ignore[arg-type]
    per = t.c_period.strip()
    period = ibis.coalesce(
        ibis.ifelse(per.re_search(r"^\d{6}$"), per.substr(0, 4).concat("-", per.substr(4, 2)), per),
        t.c_year.strip(),
    )
    return _finish_trade(
        t,
        file=path.name,
        layout="comtrade_plus",
        source=source,
        vintage=vintage,
        period=ibis.ifelse(period.re_search(r"^\d{4}(-\d{2})?$"), period, ibis.null(str)),
        flow_raw=t.c_flow,
        classification=t.c_class.strip(),
        product=t.c_product,
        value_raw=t.c_value,
        thousands=value_col == "primaryValueFormated" or delim == ";",
    )
