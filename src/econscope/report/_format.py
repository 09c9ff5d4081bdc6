"""Small formatting rules shared by every renderer (terminal, HTML report, tables)."""

from __future__ import annotations

import math

__all__ = ["stars"]


def stars(p: object) -> str:
    """Significance stars of a p-value: *** < 0.01, ** < 0.05, * < 0.1; blank if missing.

    >>> stars(0.003), stars(0.04), stars(0.07), stars(0.5), stars(None), stars(float("nan"))
    ('***', '**', '*', '', '', '')
    """
    try:
        value = float(p)  # type: ignore[arg-type]
    except (TypeError, ValueError):  # None, pandas.NA
        return ""
    if math.isnan(value):
        return ""
    return "***" if value < 0.01 else "**" if value < 0.05 else "*" if value < 0.1 else ""
