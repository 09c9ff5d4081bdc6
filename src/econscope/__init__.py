"""econscope: turn raw economic data into the findings of a research report.

Two suites: :mod:`econscope.smallbiz` (small businesses' use of credit cards, from bank
data) and :mod:`econscope.economies` (comparing economies, every figure recomputed with
units, currencies, concepts and vintages explicit). ``import econscope`` is cheap: the
suites, the engine and the charting stack load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from econscope.errors import EconscopeError, EconscopeWarning

__version__ = "0.1.0"

__all__ = ["EconscopeError", "EconscopeWarning", "__version__", "economies", "smallbiz"]

_LAZY = {"smallbiz", "economies", "config", "engine", "report", "pipeline", "stats"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return importlib.import_module(f"econscope.{name}")
    raise AttributeError(f"module 'econscope' has no attribute {name!r}")
