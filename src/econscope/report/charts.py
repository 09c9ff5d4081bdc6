"""One Altair chart per published table, driven by the table registry and its labels.

:func:`panels` reads a :class:`~econscope.smallbiz.tables.TableSpec` (chart kind, x,
color, facet, measures with units) and the table's tidy rows, and returns the figure's
panels: one chart per measure when the measures have different units (the report's left
and right panels), each as wide as its container. :func:`chart` puts the same panels side
by side at a fixed width, with the figure's title, for the PNG and SVG files.

Every visible word comes from the label registry (:mod:`econscope.smallbiz.tables`):
measures, dimensions, models and categories in words, shares on a percent axis. Months
carry two annotations when the data span them: March 2020 (the national emergency) and May
2020 (relief inflows begin). Line series differ in colour and dash, so the legend tells
them apart in print too. Tooltips give the value, its unit, ``n_firms`` and whether the
cell was suppressed. Suppressed cells (fewer than k firms) are never drawn as values:
lines break there and bars are absent, and a triangle on the x axis marks each one, with
its own legend entry and the tooltip ``suppressed: fewer than k firms``.

Rendering only: the rows are the small published table, nothing is computed here except
labels, and a cell with ``n_firms < k`` (or none) that arrived unsuppressed is shown as
suppressed (:func:`econscope.disclosure.suppress` again, before drawing).

>>> import pandas as pd
>>> from econscope.smallbiz.tables import TABLES
>>> rows = pd.DataFrame({"month": ["2020-01", "2020-02"], "measure": "share_revolving",
...                      "value": [0.31, None], "n_firms": [120, 4],
...                      "suppressed": [False, True]})
>>> [(pid, c.to_dict()["width"]) for pid, c in panels(TABLES["fig02"], rows, k=10)]
[('fig02-share_revolving', 'container'), ('fig02-median_revolving_balance', 'container')]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from econscope.disclosure import suppress
from econscope.errors import DataError
from econscope.smallbiz.tables import (
    DIMENSION_LABELS,
    MEASURE_LABELS,
    TableSpec,
    category_label,
    is_money,
    is_share,
    label,
)

__all__ = [
    "ANNOTATIONS",
    "SUPPRESSED_COLOR",
    "chart",
    "chart_rows",
    "panel_ids",
    "panels",
    "suppressed_label",
]

SUPPRESSED_COLOR = "#b03a2e"
#: Width of one panel in the static files (PNG/SVG), in CSS pixels.
STATIC_WIDTH = 460
_HEIGHT = 260
#: Characters of a panel title line and of a legend row that fit a 390 px phone screen.
_TITLE_CHARS = 42
_LEGEND_ROW_CHARS = 40
_VALUE_FORMAT = {"days": ",.0f", "index": ",.0f", "count": ",.0f"}
#: The composition bins of fig06 get one colour each (no palette reuse).
_BIN_COLORS = ("#3b7ea1", "#a9c4d6", "#d9822b")
_SERIES_COLORS = ("#24577a", "#d9822b", "#4c9a6a", "#8e5ea2", "#7f7f7f", "#c9a227")
_DASHES = ([1, 0], [6, 3], [2, 2], [8, 3, 2, 3])
#: Dated events marked on every monthly chart whose months span them: (YYYY-MM, text).
ANNOTATIONS: tuple[tuple[str, str], ...] = (
    ("2020-03", "March 2020: emergency"),
    ("2020-05", "May 2020: relief inflows"),
)


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


def unit_words(unit: str) -> str:
    """A unit as an axis would say it: '(0-1)' dropped (the axis is in percent).

    >>> unit_words("share of firms (0-1)"), unit_words("2022 dollars")
    ('Share of firms', '2022 dollars')
    """
    text = unit.replace("(0-1)", "").strip()
    return text[:1].upper() + text[1:]


def measure_title(measure: str, unit: str) -> str:
    """An axis title: the measure in words, with its unit unless it is a share.

    >>> measure_title("median_revolving_balance", "2022 dollars")
    'Median revolving balance (2022 dollars)'
    >>> measure_title("share_revolving", "share of firms (0-1)")
    'Share of firms revolving'
    """
    words = MEASURE_LABELS.get(measure, label(measure))
    return words if is_share(unit) else f"{words} ({unit})"


def chart_rows(spec: TableSpec, data: pd.DataFrame, *, k: int) -> pd.DataFrame:
    """The rows a chart draws: typed, labelled, and with every cell under k firms blanked.

    Adds ``unit``, ``measure_label``, ``series`` (the colour's category in words) and
    ``status`` (``published`` or :func:`suppressed_label`). Raises
    :class:`~econscope.errors.DataError` when a column of the registry is missing or a
    measure is unknown.
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
    rows["measure_label"] = [MEASURE_LABELS.get(m, label(m)) for m in rows["measure"]]
    if spec.color == "measure" or spec.color is None:
        rows["series"] = rows["measure_label"]
    else:
        rows["series"] = [category_label(spec.color, v, spec.settings) for v in rows[spec.color]]
    for dim in spec.dims:
        if dim not in ("month", "cash_buffer_days") and dim != spec.color:
            rows[f"{dim}_label"] = [category_label(dim, v, spec.settings) for v in rows[dim]]
    rows["status"] = [suppressed_label(k) if s else "published" for s in suppressed]
    if spec.keep is not None:
        rows = rows[rows[spec.color or spec.x].isin(spec.keep)]
    return rows.reset_index(drop=True)


def _records(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows: missing values become null (Vega-Lite has no NaN)."""
    clean = rows.astype(object).where(rows.notna(), None)
    return [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in rec.items()}
        for rec in clean.to_dict("records")
    ]


def _value_format(units: Sequence[str], *, money: bool = False) -> str:
    """The d3 format of a value axis and tooltip: percent for shares; for money, "$" only
    when the unit is US dollars (any other currency is named in the axis title).

    >>> _value_format(["share of firms (0-1)"]), _value_format(["2022 US dollars"], money=True)
    ('.0%', '$,.0f')
    >>> _value_format(["2015 euros"], money=True), _value_format(["days"])
    (',.0f', ',.0f')
    """
    if all(is_share(u) for u in units):
        return ".0%"
    if money:
        return "$,.0f" if all("dollars" in u for u in units) else ",.0f"
    for word, fmt in _VALUE_FORMAT.items():
        if all(word in u for u in units):
            return fmt
    return ",.3~g"


def _category_order(spec: TableSpec, rows: pd.DataFrame) -> list[str]:
    """Categories of the category axis: the registry's order, else sorted by value.

    Horizontal bars (industries) are sorted by the first measure of the last series,
    largest first, so the reader sees a ranking.
    """
    if spec.keep is not None and spec.x in (spec.color, None):
        return list(spec.keep)
    values = [str(v) for v in pd.unique(rows[spec.x].dropna())]
    if spec.x != "industry":
        return sorted(values, key=_order_key)
    first = next(iter(spec.measures))
    series = _series_order(spec, rows)
    # models: rank by the first (the linear probability model); years: by the latest
    ranked = (series[0] if spec.color == "model" else series[-1]) if series else None
    mine = rows[(rows["measure"] == first) & (rows["series"] == ranked)]
    rank = mine.groupby(spec.x)["value"].max().to_dict()
    return sorted(values, key=lambda v: (-(rank.get(v) or -1.0), v))


def _series_order(spec: TableSpec, rows: pd.DataFrame) -> list[str]:
    if spec.color is None or spec.color == "measure":
        return [MEASURE_LABELS.get(m, label(m)) for m in spec.measures]
    values = [str(v) for v in pd.unique(rows[spec.color].dropna())]
    if spec.keep is not None and spec.color in spec.dims:
        values = [v for v in spec.keep if v in values]
    elif spec.color == "model":
        from econscope.smallbiz.tables import MODELS

        values = sorted(values, key=lambda v: (MODELS.index(v) if v in MODELS else 99, v))
    else:
        values = sorted(values, key=_order_key)
    return [category_label(spec.color, v, spec.settings) for v in values]


def _category_axis(spec: TableSpec, rows: pd.DataFrame) -> tuple[str, Any]:
    """('x' or 'y', the encoding of the table's category or time axis)."""
    title = spec.x_title or DIMENSION_LABELS.get(spec.x, label(spec.x))
    if spec.x == "month":
        return "x", alt.X("month:T", timeUnit="utcyearmonth", title=title)
    if spec.x == "cash_buffer_days":
        return "x", alt.X("cash_buffer_days:Q", title=title)
    order = _category_order(spec, rows)
    if spec.x == "industry":  # long labels: horizontal bars, one line per industry
        return "y", alt.Y("industry:N", sort=order, title=title, axis=alt.Axis(labelLimit=220))
    worded = spec.keep is not None and f"{spec.x}_label" in rows.columns
    field = f"{spec.x}_label" if worded else spec.x
    if field != spec.x:
        order = [category_label(spec.x, v, spec.settings) for v in order]
    return "x", alt.X(f"{field}:O", sort=order, title=title, axis=alt.Axis(labelAngle=0))


def _tooltips(spec: TableSpec, value_format: str) -> list[Any]:
    tips: list[Any] = []
    for dim in spec.dims:
        title = DIMENSION_LABELS.get(dim, label(dim))
        if dim == "month":
            tips.append(alt.Tooltip("month:T", timeUnit="utcyearmonth", title=title))
        elif dim == spec.color:
            tips.append(alt.Tooltip("series:N", title=title))
        elif dim == "cash_buffer_days":
            tips.append(alt.Tooltip(f"{dim}:Q", title=title))
        else:
            tips.append(alt.Tooltip(f"{dim}_label:N", title=title))
    return [
        *tips,
        alt.Tooltip("measure_label:N", title="Measure"),
        alt.Tooltip("value:Q", title="Value", format=value_format),
        alt.Tooltip("unit:N", title="Unit"),
        alt.Tooltip("n_firms:Q", title="Firms", format=",.0f"),
        alt.Tooltip("status:N", title="Cell"),
    ]


def _annotations(rows: pd.DataFrame) -> list[alt.Chart]:
    """Rules and labels for the dated events inside the months of the table."""
    months = rows["month"].dropna()
    if months.empty:
        return []
    first, last = str(months.min())[:7], str(months.max())[:7]
    # a label runs into the wider side of its rule, so it is never cut off at the edge
    middle = (
        pd.Timestamp(f"{first}-01") + (pd.Timestamp(f"{last}-01") - pd.Timestamp(f"{first}-01")) / 2
    )
    events = [
        {"month": f"{m}-01", "text": text, "align": "left" if m < f"{middle:%Y-%m}" else "right"}
        for m, text in ANNOTATIONS
        if first <= m <= last
    ]
    if not events:
        return []
    data = alt.InlineData(values=events)
    x = alt.X("month:T", timeUnit="utcyearmonth")
    rule = alt.Chart(data).mark_rule(color="#8a8f98", strokeDash=[3, 3]).encode(x=x)
    layers: list[alt.Chart] = [rule]
    for i, event in enumerate(events):
        right = event["align"] == "right"
        layers.append(
            alt.Chart(alt.InlineData(values=[event]))
            .mark_text(
                align="right" if right else "left",
                baseline="top",
                dx=-4 if right else 4,
                y=4 + 14 * i,
                fontSize=10,
                color="#5b6776",
            )
            .encode(x=x, text="text:N")
        )
    return layers


def _y_title(spec: TableSpec, measures: Sequence[str], *, panel_titled: bool = False) -> str:
    """The value axis's title: the measure (and unit), or only the unit when the panel's
    own title already names the measure."""
    units = list(dict.fromkeys(spec.measures[m] for m in measures))
    if len(measures) == 1 and not panel_titled:
        return measure_title(measures[0], units[0])
    return unit_words(units[0]) if len(units) == 1 else "Value"


def _panel(
    spec: TableSpec,
    rows: pd.DataFrame,
    measures: Sequence[str],
    *,
    k: int,
    width: int | str,
    title: str | None,
) -> alt.LayerChart:
    """One panel: the measures' lines or bars, annotations, ▲ marks for suppressed cells."""
    units = list(dict.fromkeys(spec.measures[m] for m in measures))
    value_format = _value_format(units, money=all(is_money(spec.id, m) for m in measures))
    value_title = _y_title(spec, measures, panel_titled=title is not None)
    axis_name, category = _category_axis(spec, rows)
    horizontal = axis_name == "y"
    tooltips = _tooltips(spec, value_format)
    mine = rows[rows["measure"].isin(measures)]
    n_categories = max(1, mine[spec.x].nunique()) if horizontal else 1
    height = max(_HEIGHT, 22 * n_categories) if horizontal else _HEIGHT
    base = alt.Chart().properties(width=width, height=height)
    if len(measures) < len(spec.measures):
        base = base.transform_filter(alt.FieldOneOfPredicate(field="measure", oneOf=list(measures)))
    if spec.keep is not None:
        base = base.transform_filter(
            alt.FieldOneOfPredicate(field=spec.color or spec.x, oneOf=list(spec.keep))
        )
    value_axis = alt.Axis(format=value_format, title=value_title)
    stacked = spec.chart == "stacked"
    value_enc: Any = (alt.X if horizontal else alt.Y)(
        "value:Q", axis=value_axis, stack="zero" if stacked else None
    )
    encoding: dict[str, Any] = {axis_name: category, "tooltip": tooltips}
    encoding["y" if axis_name == "x" else "x"] = value_enc
    series = _series_order(spec, rows)
    has_series = spec.color is not None and len(series) > 0
    if has_series:
        palette = _BIN_COLORS if stacked else _SERIES_COLORS
        legend_title = (
            None if spec.color == "measure" else DIMENSION_LABELS.get(spec.color, label(spec.color))
        )
        scale = alt.Scale(domain=series, range=list(palette[: len(series)]))
        # long entries side by side overflow a phone-wide panel: one entry a line then
        one_column = sum(len(x) for x in series) > _LEGEND_ROW_CHARS
        columns = {"columns": 1} if one_column else {}
        legend = alt.Legend(title=legend_title, orient="top", labelLimit=360, **columns)
        encoding["color"] = alt.Color("series:N", sort=series, scale=scale, legend=legend)
        if spec.chart == "line":
            encoding["strokeDash"] = alt.StrokeDash(
                "series:N",
                sort=series,
                scale=alt.Scale(domain=series, range=[list(d) for d in _DASHES[: len(series)]]),
                legend=legend,
            )
        if spec.chart == "bar":
            offset = alt.YOffset if horizontal else alt.XOffset
            encoding["yOffset" if horizontal else "xOffset"] = offset("series:N", sort=series)
        if stacked:
            encoding["order"] = alt.Order("stack_order:Q")
    if spec.chart == "line":
        main = base.mark_line(
            point=alt.OverlayMarkDef(size=14, filled=True),
            invalid="break-paths-filter-domains",
            strokeWidth=1.8,
        ).encode(**encoding)
    else:
        main = base.mark_bar(invalid="filter").encode(**encoding)
    if stacked:
        main = main.transform_calculate(
            stack_order=" + ".join(
                f"(datum.series === {_js(s)} ? {i} : 0)" for i, s in enumerate(series)
            )
            or "0"
        )
    has_values, has_suppressed = bool(mine["value"].notna().any()), bool(mine["suppressed"].any())
    extra = _annotations(mine) if spec.x == "month" and has_values else []
    title_args = {"title": alt.Title(_lines(title), anchor="start", fontSize=13)} if title else {}
    if not has_suppressed:
        if has_values:
            return alt.layer(main, *extra).properties(**title_args)
        note = alt.InlineData(values=[{"note": f"{value_title}: no cell in this table"}])
        empty = alt.Chart(note).mark_text(align="left", x=0, y=10).encode(text="note:N")
        return alt.layer(empty.properties(width=width, height=20)).properties(**title_args)
    mark_label = suppressed_label(k)
    marker: dict[str, Any] = {
        axis_name: category,
        ("x" if horizontal else "y"): alt.XValue(0) if horizontal else alt.YValue("height"),
        "shape": alt.Shape(
            "status:N",
            scale=alt.Scale(domain=[mark_label], range=["triangle-up"]),
            legend=alt.Legend(title=None, orient="bottom", symbolFillColor=SUPPRESSED_COLOR),
        ),
        "tooltip": tooltips,
    }
    if spec.chart == "bar" and has_series:
        offset = alt.YOffset if horizontal else alt.XOffset
        marker["yOffset" if horizontal else "xOffset"] = offset("series:N", sort=series)
    marks = (
        base.mark_point(filled=True, size=70, color=SUPPRESSED_COLOR, opacity=0.9)
        .encode(**marker)
        .transform_filter("datum.suppressed")
    )
    if has_values:
        return alt.layer(main, *extra, marks).properties(**title_args)
    everything = f"{value_title}: every cell suppressed (fewer than {k} firms)"
    return alt.layer(marks).properties(
        title=alt.Title(_lines(everything), anchor="start", fontSize=12)
    )


def _lines(title: str) -> str | list[str]:
    """A panel title in lines that fit a phone-wide panel (Vega titles do not wrap).

    >>> _lines("Median average daily balance (index, base month = 100)")
    ['Median average daily balance (index, base', 'month = 100)']
    >>> _lines("Share of firms revolving")
    'Share of firms revolving'
    """
    import textwrap

    lines = textwrap.wrap(title, _TITLE_CHARS)
    return title if len(lines) <= 1 else lines


def _js(text: str) -> str:
    import json

    return json.dumps(text)


def _groups(spec: TableSpec) -> list[list[str]]:
    """The measures of each panel: one panel per measure when faceted, else one."""
    measures = list(spec.measures)
    if spec.facet == "measure" and len(measures) > 1:
        return [[m] for m in measures]
    return [measures]


def panel_ids(spec: TableSpec) -> list[str]:
    """The ids of a figure's panels in the page: ``fig02-share_revolving``, ... or ``fig06``.

    >>> from econscope.smallbiz.tables import TABLES
    >>> panel_ids(TABLES["fig06"]), panel_ids(TABLES["fig03"])
    (['fig06'], ['fig03-median_adb', 'fig03-median_adb_index'])
    """
    groups = _groups(spec)
    return [spec.id] if len(groups) == 1 else [f"{spec.id}-{g[0]}" for g in groups]


def _subtitle(spec: TableSpec, rows: pd.DataFrame, k: int, notes: Sequence[str]) -> list[str]:
    n_suppressed = int(rows["suppressed"].sum())
    lines = list(notes)
    if n_suppressed:
        lines.append(f"{n_suppressed} cells suppressed (fewer than {k} firms), marked ▲.")
    return lines


def panels(
    spec: TableSpec,
    data: pd.DataFrame,
    *,
    k: int = 10,
    width: int | str = "container",
) -> list[tuple[str, alt.LayerChart]]:
    """A figure's panels as (id, chart), each drawing its own copy of the rows.

    With several panels each is titled with its measure (the report's left and right
    panels); a single panel has no title of its own (the page's heading is the figure's
    title). ``width="container"`` makes each panel as wide as the element it is drawn in.
    Tables of kind ``table`` (Table A1) are tables, not charts: :class:`ValueError` says so.
    """
    if spec.chart == "table":
        raise ValueError(f"{spec.id} is a table, not a chart; render it as an HTML table")
    rows = chart_rows(spec, data, k=k)
    values = alt.InlineData(values=_records(rows))
    groups = _groups(spec)
    out = []
    for pid, measures in zip(panel_ids(spec), groups, strict=True):
        title = _y_title(spec, measures) if len(groups) > 1 else None
        panel = _panel(spec, rows, measures, k=k, width=width, title=title)
        panel = panel.properties(data=values)
        if width == "container":
            panel = panel.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
        out.append((pid, panel))
    return out


def chart(
    spec: TableSpec,
    data: pd.DataFrame,
    *,
    k: int = 10,
    notes: Sequence[str] = (),
    width: int = STATIC_WIDTH,
) -> alt.TopLevelMixin:
    """The whole figure at a fixed width, titled, for the static PNG and SVG files.

    The panels of :func:`panels` side by side; ``notes`` are subtitle lines (for example
    the values fig08 and fig09 hold the other covariates at). The subtitle also counts the
    suppressed cells.
    """
    parts = panels(spec, data, k=k, width=width)
    rows = chart_rows(spec, data, k=k)
    title = alt.Title(spec.title, subtitle=_subtitle(spec, rows, k, notes), anchor="start")
    charts = [c for _, c in parts]
    if len(charts) == 1:
        return charts[0].properties(title=title)
    if len(charts) == 2:
        return alt.hconcat(*charts, title=title).resolve_scale(color="independent")
    rows = [alt.hconcat(*charts[i : i + 2]) for i in range(0, len(charts), 2)]  # two a row
    return alt.vconcat(*rows, title=title).resolve_scale(color="independent")
