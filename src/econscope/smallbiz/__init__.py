"""Small businesses' use of credit cards for cash flow management, from bank data.

Reproduces the JPMorgan Chase Institute report "Cash or Credit?" from de-identified
deposit and business-card data: the input contract and its validation, a calibrated
synthetic bank, the firm-by-billing-cycle panel (Box 1 revolving, cash flows, average
daily balances, cash buffer days), every figure and table, three regression models and
an offline HTML report. Public names load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "Calibration",
    "analyze",
    "build_panel",
    "fit_models",
    "run",
    "simulate",
    "validate",
]

_LAZY = {
    "Calibration": "econscope.smallbiz.calibration",
    "simulate": "econscope.smallbiz.simulate",
    "validate": "econscope.smallbiz.validate",
    "build_panel": "econscope.smallbiz.panel",
    "fit_models": "econscope.smallbiz.models",
    "analyze": "econscope.smallbiz.analyze",
    "run": "econscope.smallbiz.run",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'econscope.smallbiz' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
