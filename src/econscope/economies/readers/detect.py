"""Detect a file's layout from its name and first lines, and read it.

>>> LAYOUTS[:3]
('wdi_bulk', 'wdi_databank', 'wdi_long')
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

from econscope.economies.readers._common import LoadResult
from econscope.engine import Backend
from econscope.errors import DataError

__all__ = ["LAYOUTS", "Layout", "detect_layout", "read_any"]

Layout = Literal[
    "wdi_bulk", "wdi_databank", "wdi_long", "comtrade", "comtrade_plus", "baci", "facts"
]
LAYOUTS: tuple[Layout, ...] = get_args(Layout)


def detect_layout(path: str | Path) -> Layout:
    """The layout of ``path`` (raises DataError when none fits)."""
    path = Path(path)
    if path.suffix.lower() in {".yaml", ".yml"}:
        return "facts"
    try:
        with path.open(encoding="utf-8-sig", errors="replace") as fh:
            head = [fh.readline() for _ in range(6)]
    except FileNotFoundError:
        raise DataError("file not found", file=str(path), hint="check the path") from None
    first = head[0].strip()
    norm = first.replace('"', "")
    if norm.startswith("Data Source") or ("Indicator Code" in norm and "Country Code" in norm):
        return "wdi_bulk"
    if "[YR" in norm and "Series Code" in norm:
        return "wdi_databank"
    if norm.replace(" ", "") == "CountryName,CountryCode,Year,Value":
        return "wdi_long"
    if "Trade Flow Code" in norm:
        return "comtrade"
    if "flowCode" in norm and "cmdCode" in norm:
        return "comtrade_plus"
    if norm.replace(" ", "").split(",")[:5] == ["t", "i", "j", "k", "v"]:
        return "baci"
    if "fact_id" in norm:
        return "facts"
    raise DataError(
        f"unknown layout (first line {first[:80]!r})",
        file=str(path),
        hint=f"pass the layout explicitly, one of {', '.join(LAYOUTS)}",
    )


def read_any(
    path: str | Path,
    *,
    layout: Layout | None = None,
    con: Backend | None = None,
    indicator: str | None = None,
    vintage: str | None = None,
) -> LoadResult:
    """Read ``path`` with the reader of its (detected or given) layout."""
    from econscope.economies.readers.baci import read_baci
    from econscope.economies.readers.comtrade import read_comtrade, read_comtrade_plus
    from econscope.economies.readers.facts import read_facts
    from econscope.economies.readers.wdi import read_wdi, read_wdi_databank, read_wdi_long

    layout = layout or detect_layout(path)
    v = {"vintage": vintage} if vintage else {}
    if layout == "wdi_bulk":
        return read_wdi(path, con=con, **v)
    if layout == "wdi_databank":
        return read_wdi_databank(path, con=con, **v)
    if layout == "wdi_long":
        return read_wdi_long(path, con=con, indicator=indicator, **v)
    if layout == "comtrade":
        return read_comtrade(path, con=con, **v)
    if layout == "comtrade_plus":
        return read_comtrade_plus(path, con=con, **v)
    if layout == "baci":
        return read_baci(path, con=con, **v)
    if layout == "facts":
        return read_facts(path, con=con)
    raise DataError(f"unknown layout {layout!r}", hint=f"use one of {', '.join(LAYOUTS)}")
