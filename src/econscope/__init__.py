"""econscope: turn raw economic data into the findings of a research report.

Two suites: :mod:`econscope.smallbiz` (small businesses' use of credit cards, from bank
data) and :mod:`econscope.economies` (comparing economies, every figure recomputed with
units, currencies, concepts and vintages explicit). ``import econscope`` is cheap: the
suites, the engine and the charting stack load on first use.

>>> import econscope
>>> [name for name in dir(econscope) if not name.startswith("__")]  # doctest: +NORMALIZE_WHITESPACE
['EconscopeError', 'EconscopeWarning', 'config', 'economies', 'engine', 'pipeline',
 'report', 'smallbiz', 'stats']
"""

from econscope.errors import EconscopeError, EconscopeWarning

__version__ = "0.1.0"

__all__ = ["EconscopeError", "EconscopeWarning", "__version__", "economies", "smallbiz"]

#: Subpackages loaded on first use (``econscope.smallbiz`` imports the engine and pandas).
_LAZY = ("config", "economies", "engine", "pipeline", "report", "smallbiz", "stats")


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return importlib.import_module(f"econscope.{name}")
    raise AttributeError(f"module 'econscope' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*__all__, *_LAZY})
