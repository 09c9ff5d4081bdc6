"""CEPII BACI reader: ``t,i,j,k,v,q`` bilateral flows at HS 6 digits.

t = year, i = exporter, j = importer (Comtrade-style country codes: USA 842, France 251,
Taiwan 490 ...), k = HS product code (read as a number upstream, so leading zeros are
lost: ``10121`` is ``010121``; restored to 6 digits), v = value in thousands of US$
(multiplied by 1,000 here), q = quantity in tonnes (not used). Each row becomes one
export flow of reporter i to partner j.
"""

from __future__ import annotations

import re
from pathlib import Path

import ibis

from econscope.economies.readers._common import (
    LoadResult,
    default_con,
    read_text_csv,
    resolve_entity,
)
from econscope.economies.readers.comtrade import _finish_trade, _with_partner
from econscope.engine import Backend
from econscope.errors import DataError

__all__ = ["read_baci"]


def read_baci(
    path: str | Path,
    *,
    con: Backend | None = None,
    classification: str | None = None,
    vintage: str | None = None,
    source: str = "CEPII BACI",
) -> LoadResult:
    """Read a BACI file into export flows in US$ (v x 1,000), HS codes as 6 digits.

    ``classification`` and ``vintage`` default to what the file name says
    (``BACI_HS17_Y2021_V202401.csv`` -> ``HS17``, ``V202401``).
    """
    path = Path(path)
    con = default_con(con)
    t = read_text_csv(con, path)
    missing = [c for c in ("t", "i", "j", "k", "v") if c not in t.columns]
    if missing:
        raise DataError(
            f"missing columns {missing}", file=str(path), hint="not a BACI file (t,i,j,k,v,q)"
        )
    m = re.search(r"(HS\d{2})", path.name, re.IGNORECASE)
    classification = classification or (m.group(1).upper() if m else "HS")
    v = re.search(r"_(V\d{6}[a-z]?)", path.name)
    vintage = vintage or (v.group(1) if v else "unknown")
    t = t.select(reporter_raw=t.i, partner_raw=t.j, c_year=t.t, c_product=t.k, c_value=t.v)
    t = _with_partner(resolve_entity(t, "reporter_raw", "comtrade"), "comtrade")
    year = t.c_year.strip()
    k = t.c_product.strip()
    return _finish_trade(
        t,
        file=path.name,
        layout="baci",
        source=source,
        vintage=vintage,
        period=ibis.ifelse(year.re_search(r"^\d{4}$"), year, ibis.null(str)),
        flow_raw=ibis.literal("X"),
        classification=ibis.literal(classification),
        product=ibis.ifelse(k.re_search(r"^\d{1,6}$"), k.lpad(6, "0"), k),
        value_raw=t.c_value,
        thousands=False,
        scale=1000.0,
    )
