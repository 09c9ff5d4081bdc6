"""Static figures for papers: PNG and SVG of a Vega-Lite chart, rendered by vl-convert.

vl-convert runs Vega in an embedded JavaScript engine: no browser, no network. Both files
are written atomically, so an interrupted run never leaves half a figure.

>>> import altair as alt, pandas as pd, tempfile, pathlib
>>> c = alt.Chart(pd.DataFrame({"x": [1, 2]})).mark_bar().encode(x="x:O", y="x:Q")
>>> files = write_static(c, pathlib.Path(tempfile.mkdtemp()), "demo")
>>> [p.name for p in files]
['demo.png', 'demo.svg']
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import altair as alt
import vl_convert

from econscope.engine import atomic_path

__all__ = ["write_static"]


def _vegalite(chart: alt.TopLevelMixin | Mapping[str, Any]) -> dict[str, Any]:
    return chart.to_dict() if isinstance(chart, alt.TopLevelMixin) else dict(chart)


def write_static(
    chart: alt.TopLevelMixin | Mapping[str, Any],
    folder: str | Path,
    name: str,
    *,
    scale: float = 2.0,
) -> tuple[Path, Path]:
    """Write ``folder/name.png`` (``scale`` x the CSS pixel size) and ``folder/name.svg``.

    Returns the two paths, PNG first.
    """
    folder = Path(folder)
    png, svg = folder / f"{name}.png", folder / f"{name}.svg"
    # One Vega run: the PNG is rasterised from the SVG (about half the time of two runs).
    text = vl_convert.vegalite_to_svg(_vegalite(chart))
    with atomic_path(svg) as tmp:
        tmp.write_text(text, encoding="utf-8")
    with atomic_path(png) as tmp:
        tmp.write_bytes(vl_convert.svg_to_png(text, scale=scale))
    return png, svg
