"""The report layer: charts, static figures and the offline HTML page, from tidy tables only.

Nothing here reads raw data or identifiers: it draws the small published tables (already
under disclosure control) and the stage manifests. Public names:

- :func:`chart`: the Altair chart of a registered table (``econscope.smallbiz.tables``);
- :func:`write_static`: PNG and SVG files of a chart (vl-convert, no browser);
- :func:`build_page`, :class:`Section`, :func:`table`, :func:`chart_container`,
  :func:`paragraph`, :func:`write_page`: a self-contained HTML page with no request to any
  server;
- :mod:`econscope.report.tables`: the regression table (terminal, notebook, HTML, text);
- :mod:`econscope.report.findings`: one sentence per figure from the run's numbers;
- :mod:`econscope.report.summary`: a run's summary (text and HTML);
- :mod:`econscope.report.terminal`: result tables for the terminal.

The charting stack loads on first use, so ``import econscope`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "Section",
    "build_page",
    "chart",
    "chart_container",
    "paragraph",
    "suppressed_label",
    "table",
    "write_page",
    "write_static",
]

_LAZY = {
    "chart": "econscope.report.charts",
    "suppressed_label": "econscope.report.charts",
    "write_static": "econscope.report.static",
    "Section": "econscope.report.html",
    "build_page": "econscope.report.html",
    "chart_container": "econscope.report.html",
    "paragraph": "econscope.report.html",
    "table": "econscope.report.html",
    "write_page": "econscope.report.html",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'econscope.report' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
