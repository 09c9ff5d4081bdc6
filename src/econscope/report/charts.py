"""One Altair chart per published table, driven by the table registry.

:func:`chart` reads a :class:`~econscope.smallbiz.tables.TableSpec` (chart kind, x, color,
facet, measures with units) and the table's tidy rows, and returns a Vega-Lite chart: a
line or grouped bar per series, one row per measure when the measures have different
units, tooltips with the value, its unit, ``n_firms`` and whether the cell was
suppressed. Suppressed cells (fewer than k firms) are never drawn as values: lines break
there and bars are absent, and a triangle on the x axis marks each one, with its own legend
entry and the tooltip ``suppressed: fewer than k firms``.

Rendering only: the rows are the small published table, nothing is computed here except
labels, and a cell with ``n_firms < k`` (or none) that arrived unsuppressed is shown as
suppressed (:func:`econscope.disclosure.suppress` again, before drawing).

>>> import pandas as pd
>>> from econscope.smallbiz.tables import TABLES
>>> rows = pd.DataFrame({"month": ["2020-01", "2020-02"], "measure": "share_revolving",
...                      "value": [0.31, None], "n_firms": [120, 4],
...                      "suppressed": [False, True]})
>>> spec = chart(TABLES["fig02"], rows, k=10).to_dict()
>>> [[layer["mark"]["type"] for layer in panel["layer"]] for panel in spec["vconcat"]]
[['line', 'point'], ['text']]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from econscope.disclosure import suppress
from econscope.errors import DataError
from econscope.smallbiz.tables import TableSpec

__all__ = ["SUPPRESSED_COLOR", "chart", "chart_rows", "suppressed_label"]

SUPPRESSED_COLOR = "#b03a2e"
_WIDTH = 640
_HEIGHT = 240
_HEIGHT_FACETED = 190
_VALUE_FORMAT = {"dollars": ",.0f", "days": ",.1f", "index": ",.1f", "count": ",.0f"}


def suppressed_label(k: int) -> str:
    """The legend entry and tooltip of a suppressed cell.

    >>> suppressed_label(10)
    'suppressed: fewer than 10 firms'
    """
    return f"suppressed: fewer than {k} firms"


def _order_key(value: str) -> tuple[int, float, str]:
    """Counts in numeric order, then ranges such as '1-11', then other labels.

    >>> sorted(["12", "1-11", "2", "0", "10"], key=_order_key)
    ['0', '2', '10', '12', '1-11']
    """
    match = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*", value)
    if match:
        return (0, float(match.group(1)), value)
    match = re.match(r"\s*(-?\d+(?:\.\d+)?)", value)
    return (1, float(match.group(1)), value) if match else (2, 0.0, value)


def _month_iso(values: pd.Series, file: str) -> pd.Series:
    """'YYYY-MM', 'YYYY-MM-DD' or dates -> 'YYYY-MM-01' strings (read as UTC by Vega)."""
    text = values.astype("string").str.slice(0, 7)
    parsed = pd.to_datetime(text, format="%Y-%m", errors="coerce")
    bad = parsed.isna() & values.notna()
    if bad.any():
        raise DataError(
            f"month values such as {values[bad].iloc[0]!r} are not YYYY-MM",
            file=file,
            column="month",
            hint="write months as YYYY-MM or as dates",
        )
    return parsed.dt.strftime("%Y-%m-01")


def chart_rows(spec: TableSpec, data: pd.DataFrame, *, k: int) -> pd.DataFrame:
    """The rows a chart draws: typed, labelled, and with every cell under k firms blanked.

    Adds ``unit``, ``measure_label`` and ``status`` (``published`` or
    :func:`suppressed_label`). Raises :class:`~econscope.errors.DataError` when a column
    of the registry is missing or a measure is unknown.
    """
    file = f"results/{spec.id}.csv"
    missing = [c for c in spec.columns if c not in data.columns]
    if missing:
        raise DataError(
            f"missing columns {missing}; expected {list(spec.columns)}",
            file=file,
            column=missing[0],
            hint="rerun the analysis stage, which writes the columns of smallbiz.tables",
        )
    rows = data.loc[:, list(spec.columns)].copy()
    unknown = sorted(set(rows["measure"].astype(str)) - set(spec.measures))
    if unknown:
        raise DataError(
            f"unknown measures {unknown}; this table has {list(spec.measures)}",
            file=file,
            column="measure",
            hint="the registry in econscope.smallbiz.tables names every measure",
        )
    for dim in spec.dims:
        if dim == "month":
            rows[dim] = _month_iso(rows[dim], file)
        elif dim == "cash_buffer_days":
            rows[dim] = pd.to_numeric(rows[dim], errors="raise").astype("float64")
        else:
            rows[dim] = rows[dim].astype("string").str.replace(r"\.0$", "", regex=True)
    rows["measure"] = rows["measure"].astype(str)
    rows["value"] = pd.to_numeric(rows["value"], errors="coerce").astype("float64")
    flag = rows["suppressed"].astype("string").str.strip().str.lower()
    rows["suppressed"] = flag.isin(["true", "1", "yes"]).to_numpy()
    # Defence in depth: a cell under k firms is never drawn, whatever its flag says.
    rows = suppress(rows, k)
    suppressed = rows["suppressed"].to_numpy(dtype=bool)
    rows["unit"] = rows["measure"].map(spec.measures)
    rows["measure_label"] = rows["measure"].str.replace("_", " ") + " (" + rows["unit"] + ")"
    rows["status"] = [suppressed_label(k) if s else "published" for s in suppressed]
    return rows.reset_index(drop=True)


def _records(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows: missing values become null (Vega-Lite has no NaN)."""
    clean = rows.astype(object).where(rows.notna(), None)
    return [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in rec.items()}
        for rec in clean.to_dict("records")
    ]


def _value_format(units: Sequence[str]) -> str:
    if all("0-1" in u for u in units):
        return ".1%"
    for word, fmt in _VALUE_FORMAT.items():
        if all(word in u for u in units):
            return fmt
    return ",.3~g"


def _x(spec: TableSpec, rows: pd.DataFrame) -> Any:
    if spec.x == "month":
        return alt.X("month:T", timeUnit="utcyearmonth", title="month")
    if spec.x == "cash_buffer_days":
        return alt.X("cash_buffer_days:Q", title="cash buffer days")
    order = sorted(pd.unique(rows[spec.x].dropna()), key=_order_key)
    if spec.x == "months_revolved":
        return alt.X(f"{spec.x}:O", sort=order, title="months revolved")
    return alt.X(
        f"{spec.x}:N", sort=order, title=spec.x.replace("_", " "), axis=alt.Axis(labelAngle=-35)
    )


def _tooltips(spec: TableSpec, value_format: str) -> list[Any]:
    tips: list[Any] = []
    for dim in spec.dims:
        if dim == "month":
            tips.append(alt.Tooltip("month:T", timeUnit="utcyearmonth", title="month"))
        else:
            tips.append(alt.Tooltip(f"{dim}:N", title=dim.replace("_", " ")))
    return [
        *tips,
        alt.Tooltip("measure:N", title="measure"),
        alt.Tooltip("value:Q", title="value", format=value_format),
        alt.Tooltip("unit:N", title="unit"),
        alt.Tooltip("n_firms:Q", title="n firms", format=",.0f"),
        alt.Tooltip("status:N", title="cell"),
    ]


def _panel(
    spec: TableSpec,
    rows: pd.DataFrame,
    measures: Sequence[str],
    *,
    k: int,
    height: int,
) -> alt.LayerChart:
    """One panel: the measures' lines or bars, plus ▲ marks for suppressed cells."""
    units = list(dict.fromkeys(spec.measures[m] for m in measures))
    value_format = _value_format(units)
    if len(measures) == 1:
        y_title = f"{measures[0].replace('_', ' ')} ({units[0]})"
    else:
        y_title = units[0] if len(units) == 1 else "value"
    x = _x(spec, rows)
    tooltips = _tooltips(spec, value_format)
    color = alt.Color(f"{spec.color}:N", title=spec.color.replace("_", " ")) if spec.color else None
    width: Any = _WIDTH if spec.chart == "line" else alt.Step(14 if spec.color else 28)
    base = alt.Chart().properties(width=width, height=height)
    if len(measures) < len(spec.measures):
        base = base.transform_filter(alt.FieldOneOfPredicate(field="measure", oneOf=list(measures)))
    y = alt.Y("value:Q", title=y_title, axis=alt.Axis(format=value_format))
    encoding: dict[str, Any] = {"x": x, "y": y, "tooltip": tooltips}
    if color is not None:
        encoding["color"] = color
        if spec.chart == "bar":
            encoding["xOffset"] = alt.XOffset(f"{spec.color}:N")
    if spec.chart == "line":
        main = base.mark_line(
            point=alt.OverlayMarkDef(size=14, filled=True),
            invalid="break-paths-filter-domains",
            strokeWidth=1.6,
        ).encode(**encoding)
    else:
        main = base.mark_bar(invalid="filter").encode(**encoding)
    # An empty layer makes Vega warn of an infinite extent: draw only the layers with rows.
    mine = rows[rows["measure"].isin(measures)]
    has_values, has_suppressed = bool(mine["value"].notna().any()), bool(mine["suppressed"].any())
    if not has_suppressed:
        if has_values:
            return alt.layer(main)
        note = alt.InlineData(values=[{"note": f"{y_title}: no cell in this table"}])
        empty = alt.Chart(note).mark_text(align="left", x=0, y=10).encode(text="note:N")
        return alt.layer(empty.properties(width=_WIDTH, height=20))
    label = suppressed_label(k)
    marker: dict[str, Any] = {
        "x": x,
        "y": alt.YValue("height"),
        "shape": alt.Shape(
            "status:N",
            scale=alt.Scale(domain=[label], range=["triangle-up"]),
            legend=alt.Legend(title=None, orient="bottom", symbolFillColor=SUPPRESSED_COLOR),
        ),
        "tooltip": tooltips,
    }
    if spec.chart == "bar" and color is not None:
        marker["xOffset"] = alt.XOffset(f"{spec.color}:N")
    marks = (
        base.mark_point(filled=True, size=70, color=SUPPRESSED_COLOR, opacity=0.9, yOffset=-5)
        .encode(**marker)
        .transform_filter("datum.suppressed")
    )
    if has_values:
        return alt.layer(main, marks)
    return alt.layer(marks).properties(
        title=alt.Title(f"{y_title}: every cell suppressed (fewer than {k} firms)", fontSize=11)
    )


def chart(spec: TableSpec, data: pd.DataFrame, *, k: int = 10) -> alt.TopLevelMixin:
    """The interactive chart of one published table (line or grouped bar; a panel per measure).

    ``data`` holds the table's tidy rows (the columns of ``spec.columns``); ``k`` is the
    disclosure threshold named in the suppression marks. With ``facet="measure"`` each
    measure gets its own panel (own unit and axis), stacked over a shared x axis. Tables of
    kind ``table`` (Table A1) are tables, not charts: :class:`ValueError` says so.
    """
    if spec.chart == "table":
        raise ValueError(f"{spec.id} is a table, not a chart; render it as an HTML table")
    rows = chart_rows(spec, data, k=k)
    n_suppressed = int(rows["suppressed"].sum())
    if n_suppressed:
        subtitle = [
            f"{n_suppressed} cells suppressed (fewer than {k} firms), marked ▲ on the x axis."
        ]
    else:
        subtitle = [f"No cell suppressed (every cell describes at least {k} firms)."]
    measures = list(spec.measures)
    faceted = spec.facet == "measure" and len(measures) > 1
    if not faceted and len(measures) > 1:
        subtitle.append("Measures: " + ", ".join(m.replace("_", " ") for m in measures))
    title = alt.Title(f"{spec.id}: {spec.title}", subtitle=subtitle, anchor="start")
    values = alt.InlineData(values=_records(rows))
    if faceted:
        panels = [_panel(spec, rows, [m], k=k, height=_HEIGHT_FACETED) for m in measures]
        return alt.vconcat(*panels, data=values, title=title).resolve_scale(x="shared")
    return _panel(spec, rows, measures, k=k, height=_HEIGHT).properties(data=values, title=title)
