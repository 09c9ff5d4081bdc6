"""Compare economies with every figure recomputed from data, units and concepts explicit.

The core: observations with their meaning (:mod:`.observations`), periods
(:mod:`.periods`), quantities as printed in English, Chinese and machine translation
(:mod:`.units`), currency conversion with an explicit basis (:mod:`.currency`),
country codes (:mod:`.countries`), readers of WDI, Comtrade, BACI and facts files
(:mod:`.readers`) and indicators on numbers and on engine tables (:mod:`.indicators`).
Public names load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "ExchangeRates",
    "Fact",
    "LoadResult",
    "Observation",
    "Period",
    "Rate",
    "check_plausibility",
    "combine",
    "combine_tables",
    "indicators",
    "observations_table",
    "parse_period",
    "parse_quantity",
    "read_any",
    "read_baci",
    "read_comtrade",
    "read_comtrade_plus",
    "read_facts",
    "read_wdi",
    "read_wdi_databank",
    "read_wdi_long",
    "to_iso3",
]

_LAZY = {
    "ExchangeRates": "econscope.economies.currency",
    "Rate": "econscope.economies.currency",
    "Observation": "econscope.economies.observations",
    "combine": "econscope.economies.observations",
    "combine_tables": "econscope.economies.observations",
    "observations_table": "econscope.economies.observations",
    "Period": "econscope.economies.periods",
    "parse_period": "econscope.economies.periods",
    "parse_quantity": "econscope.economies.units",
    "check_plausibility": "econscope.economies.units",
    "to_iso3": "econscope.economies.countries",
    "Fact": "econscope.economies.readers",
    "LoadResult": "econscope.economies.readers",
    "read_any": "econscope.economies.readers",
    "read_baci": "econscope.economies.readers",
    "read_comtrade": "econscope.economies.readers",
    "read_comtrade_plus": "econscope.economies.readers",
    "read_facts": "econscope.economies.readers",
    "read_wdi": "econscope.economies.readers",
    "read_wdi_databank": "econscope.economies.readers",
    "read_wdi_long": "econscope.economies.readers",
}


def __getattr__(name: str) -> Any:
    if name == "indicators":
        return importlib.import_module("econscope.economies.indicators")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'econscope.economies' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
