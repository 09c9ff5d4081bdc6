"""Charts of the published tables: one per registry entry, suppressed cells marked."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from econscope.errors import DataError
from econscope.report.charts import ANNOTATIONS, chart, chart_rows, panels, suppressed_label
from econscope.smallbiz.tables import TABLES
from test_report_fixture import SUPPRESSED_CELLS, result_table

FIGURES = [tid for tid, spec in TABLES.items() if spec.chart != "table"]


def _values(spec: dict) -> list[dict]:
    """The chart's rows (Altair moves inline data into top-level ``datasets``)."""
    while "data" not in spec:  # side-by-side panels, or rows of them
        spec = {**spec, **(spec.get("hconcat") or spec["vconcat"])[0]}
        spec.pop("hconcat", None) if "data" in spec else None
    data = spec["data"]
    return spec["datasets"][data["name"]] if "name" in data else data["values"]


def _layers(spec: dict) -> list[dict]:
    if "vconcat" in spec:
        return [lay for row in spec["vconcat"] for lay in _layers(row)]
    parts = spec.get("hconcat", [spec])
    return [layer for panel in parts for layer in panel["layer"]]


def _panel_specs(table_id: str, rows=None) -> list[dict]:
    rows = result_table(table_id, np.random.default_rng(1)) if rows is None else rows
    return [c.to_dict() for _, c in panels(TABLES[table_id], rows, k=10)]


def _axis_titles(layer: dict) -> list[str]:
    enc = layer.get("encoding", {})
    out = []
    for channel in ("x", "y"):
        field = enc.get(channel, {})
        title = field.get(
            "title", field.get("axis", {}).get("title") if field.get("axis") else None
        )
        if title:
            out.append(title)
    return out


@pytest.mark.parametrize("table_id", FIGURES)
def test_every_figure_charts_every_row_with_value_unit_firms_and_status_tooltips(
    table_id: str,
) -> None:
    spec = TABLES[table_id]
    rows = result_table(table_id, np.random.default_rng(1))
    drawn = chart(spec, rows, k=10).to_dict()
    kept = rows if spec.keep is None else rows[rows[spec.color].astype(str).isin(spec.keep)]
    assert len(_values(drawn)) == len(kept)
    main = _layers(drawn)[0]
    assert main["mark"]["type"] == {"stacked": "bar"}.get(spec.chart, spec.chart)
    tooltip_fields = {t["field"] for t in main["encoding"]["tooltip"]}
    assert {"value", "unit", "n_firms", "status"} <= tooltip_fields
    for dim in spec.dims:  # each dimension in words: itself, its label, or the series
        assert {dim, f"{dim}_label", "series"} & tooltip_fields, dim


@pytest.mark.parametrize("table_id", FIGURES)
def test_every_panel_is_as_wide_as_its_container_with_worded_axes(table_id: str) -> None:
    for panel in _panel_specs(table_id):
        assert panel["width"] == "container" and panel["autosize"]["type"] == "fit-x"
        main = panel["layer"][0]
        titles = _axis_titles(main)
        assert len(titles) == 2, titles
        assert all("_" not in t for t in titles), titles
        legend_fields = [main["encoding"].get(c, {}).get("field") for c in ("color",)]
        assert all(f in (None, "series") for f in legend_fields)


@pytest.mark.parametrize("table_id", ["fig02", "fig06", "fig07", "fig08", "fig10"])
def test_share_and_probability_axes_are_in_percent(table_id: str) -> None:
    panel = _panel_specs(table_id)[0]
    value = panel["layer"][0]["encoding"]["y"]
    assert value["axis"]["format"] == ".0%"
    assert "0-1" not in value["axis"]["title"]


def test_fig06_is_a_per_year_composition_of_three_bins_with_a_colour_each() -> None:
    (panel,) = _panel_specs("fig06")
    main = panel["layer"][0]
    assert main["mark"]["type"] == "bar" and main["encoding"]["y"]["stack"] == "zero"
    assert main["encoding"]["x"]["field"].startswith("year")
    colour = main["encoding"]["color"]["scale"]
    assert colour["domain"] == ["No month", "1 to 11 months", "All 12 months"]
    assert len(set(colour["range"])) == 3
    # only the three bins are drawn, never the single counts 1..11
    drawn = {v["months_revolved"] for v in _values(panel)}
    assert drawn == {"0", "1-11", "12"}


def test_fig09_bars_are_sorted_by_the_linear_probability_model() -> None:
    rows = result_table("fig09", np.random.default_rng(3))
    (panel,) = _panel_specs("fig09", rows)
    order = panel["layer"][0]["encoding"]["y"]["sort"]
    lpm = rows[rows["model"] == "lpm"].set_index("industry")["value"]
    assert order == list(lpm.sort_values(ascending=False).index)


def test_monthly_charts_mark_march_2020_and_the_relief_inflows() -> None:
    panel = _panel_specs("fig02")[0]

    def data(layer: dict) -> list[dict]:
        return panel["datasets"][layer["data"]["name"]]

    texts = [data(lay)[0]["text"] for lay in panel["layer"] if lay["mark"]["type"] == "text"]
    assert texts == [text for _, text in ANNOTATIONS]
    rules = [lay for lay in panel["layer"] if lay["mark"]["type"] == "rule"]
    assert [v["month"] for v in data(rules[0])] == ["2020-03-01", "2020-05-01"]


def test_months_before_the_pandemic_carry_no_annotation() -> None:
    rows = result_table("fig02", np.random.default_rng(1))
    rows = rows[rows["month"] < "2020-01"]
    marks = [layer["mark"]["type"] for layer in _panel_specs("fig02", rows)[0]["layer"]]
    assert "rule" not in marks


def test_line_series_differ_in_dash_as_well_as_colour() -> None:
    main = _panel_specs("fig08")[0]["layer"][0]["encoding"]
    dashes = main["strokeDash"]["scale"]["range"]
    assert main["strokeDash"]["field"] == main["color"]["field"] == "series"
    assert len({tuple(d) for d in dashes}) == len(dashes) == 3


@pytest.mark.parametrize("table_id", ["fig02", "fig04", "fig05", "fig11"])
def test_suppressed_cells_are_marked_with_a_legend_entry_and_never_valued(table_id: str) -> None:
    rows = result_table(table_id, np.random.default_rng(1))
    spec = chart(TABLES[table_id], rows, k=10).to_dict()
    values = _values(spec)
    blanked = [v for v in values if v["status"] == suppressed_label(10)]
    # the fixture suppresses one key per table, once per measure
    n_keys = sum(1 for tid, _ in SUPPRESSED_CELLS if tid == table_id)
    assert len(blanked) == n_keys * len(TABLES[table_id].measures)
    assert all(v["value"] is None and v["suppressed"] is True for v in blanked)
    markers = [layer for layer in _layers(spec) if layer["mark"]["type"] == "point"]
    assert markers, "a suppressed cell needs its ▲ layer"
    shape = markers[0]["encoding"]["shape"]
    assert shape["scale"]["domain"] == [suppressed_label(10)]
    assert any("suppressed" in line for line in spec["title"]["subtitle"])


def test_a_cell_under_k_firms_is_blanked_even_if_it_arrives_unsuppressed() -> None:
    rows = pd.DataFrame(
        {
            "month": ["2020-01", "2020-02", "2020-03"],
            "measure": "share_revolving",
            "value": [0.31, 0.42, 0.29],
            "n_firms": [120, 9, 10],  # 9 < k = 10 must not be shown; 10 = k is published
            "suppressed": [False, False, False],
        }
    )
    out = chart_rows(TABLES["fig02"], rows, k=10)
    assert out["value"].isna().tolist() == [False, True, False]
    assert out["suppressed"].tolist() == [False, True, False]
    assert out["n_firms"].isna().tolist() == [False, True, False]  # 9 is not published either


def test_months_are_read_as_year_month_and_chart_in_utc() -> None:
    rows = pd.DataFrame(
        {
            "month": ["2020-01", "2020-02-29"],
            "measure": "median_cash_buffer_days",
            "value": [12.0, 30.0],
            "n_firms": [50, 50],
            "suppressed": [False, False],
            "group": ["revolvers", "revolvers"],
        }
    )
    out = chart_rows(TABLES["fig11"], rows, k=10)
    assert out["month"].tolist() == ["2020-01-01", "2020-02-01"]
    x = chart(TABLES["fig11"], rows).to_dict()["layer"][0]["encoding"]["x"]
    assert x["timeUnit"] == "utcyearmonth"


def test_a_missing_column_is_a_data_error_naming_file_and_column() -> None:
    rows = result_table("fig03", np.random.default_rng(1)).drop(columns="n_firms")
    with pytest.raises(DataError, match=r"results/fig03.csv: column 'n_firms'"):
        chart(TABLES["fig03"], rows)


def test_an_unknown_measure_is_a_data_error() -> None:
    rows = result_table("fig03", np.random.default_rng(1))
    rows.loc[0, "measure"] = "mean_adb"
    with pytest.raises(DataError, match="unknown measures \\['mean_adb'\\]"):
        chart(TABLES["fig03"], rows)


def test_table_a1_is_not_a_chart() -> None:
    with pytest.raises(ValueError, match="tabA1 is a table"):
        chart(TABLES["tabA1"], result_table("tabA1", np.random.default_rng(1)))


@settings(max_examples=25, deadline=None)
@given(
    cells=st.lists(
        st.tuples(
            st.floats(0, 1, allow_nan=False),
            st.integers(0, 40),
            st.booleans(),
        ),
        min_size=1,
        max_size=12,
    ),
    k=st.integers(1, 30),
)
def test_no_drawn_value_describes_fewer_than_k_firms(cells, k) -> None:
    rows = pd.DataFrame(
        {
            "month": [f"2021-{i + 1:02d}" for i in range(len(cells))],
            "measure": "share_revolving",
            "value": [None if s else v for v, _, s in cells],
            "n_firms": [n for _, n, _ in cells],
            "suppressed": [s for _, _, s in cells],
        }
    )
    values = _values(chart(TABLES["fig02"], rows, k=k).to_dict())
    for (_, n, s), drawn in zip(cells, values, strict=True):
        if s or n < k:
            assert drawn["value"] is None and drawn["status"] == suppressed_label(k)
        else:
            assert drawn["value"] is not None and drawn["n_firms"] == n


def test_a_measure_with_every_cell_suppressed_keeps_its_panel_of_marks() -> None:
    rows = result_table("fig12", np.random.default_rng(1))
    balance = rows["measure"] == "median_revolving_balance"
    rows.loc[balance, ["value", "n_firms"]] = [None, 3]
    rows.loc[balance, "suppressed"] = True
    share, balance = _panel_specs("fig12", rows)
    # share panel: line and the annotations, no ▲ (nothing suppressed); balance: only ▲
    assert [layer["mark"]["type"] for layer in share["layer"]] == ["line", "rule", "text", "text"]
    assert [layer["mark"]["type"] for layer in balance["layer"]] == ["point"]
    title = balance["title"]["text"]  # a long title comes in lines that fit a phone
    assert "every cell suppressed" in " ".join([title] if isinstance(title, str) else title)


def test_an_empty_table_charts_a_note_instead_of_nothing() -> None:
    rows = result_table("fig11", np.random.default_rng(1)).iloc[0:0]
    spec = chart(TABLES["fig11"], rows).to_dict()
    assert spec["layer"][0]["mark"]["type"] == "text"
