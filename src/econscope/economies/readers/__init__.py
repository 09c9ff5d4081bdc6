"""Readers of economic data files into observations (and bilateral trade flows).

Each reader returns a :class:`LoadResult`: kept observations, WDI aggregates kept apart,
rejected rows with reasons and a load report. :func:`read_any` detects the layout.
"""

from __future__ import annotations

from econscope.economies.readers._common import (
    REJECTED_SCHEMA,
    REPORT_SCHEMA,
    TRADE_SCHEMA,
    LoadResult,
)
from econscope.economies.readers.baci import read_baci
from econscope.economies.readers.comtrade import read_comtrade, read_comtrade_plus
from econscope.economies.readers.detect import LAYOUTS, Layout, detect_layout, read_any
from econscope.economies.readers.facts import Fact, read_facts
from econscope.economies.readers.wdi import read_wdi, read_wdi_databank, read_wdi_long

__all__ = [
    "LAYOUTS",
    "REJECTED_SCHEMA",
    "REPORT_SCHEMA",
    "TRADE_SCHEMA",
    "Fact",
    "Layout",
    "LoadResult",
    "detect_layout",
    "read_any",
    "read_baci",
    "read_comtrade",
    "read_comtrade_plus",
    "read_facts",
    "read_wdi",
    "read_wdi_databank",
    "read_wdi_long",
]
