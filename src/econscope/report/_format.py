"""Small formatting rules shared by every renderer (terminal, HTML report, tables).

Significance stars are statistics' own rule: defined in :mod:`econscope.stats`.
"""

from __future__ import annotations

from econscope.stats import stars

__all__ = ["stars"]
