"""Static figures: a PNG and an SVG per chart, written by vl-convert."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from econscope.report.charts import STATIC_WIDTH, chart
from econscope.report.static import write_static
from econscope.smallbiz.tables import TABLES
from test_report_fixture import result_table


def test_a_chart_is_written_as_png_and_svg_with_nothing_left_over(tmp_path: Path) -> None:
    figure = chart(TABLES["fig08"], result_table("fig08", np.random.default_rng(1)))
    png, svg = write_static(figure, tmp_path, "fig08", scale=1)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = svg.read_text()
    assert (
        text.lstrip().startswith("<svg")
        and "Predicted probability of revolving by cash buffer days" in text
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig08.png", "fig08.svg"]


def test_scale_multiplies_the_png_size(tmp_path: Path) -> None:
    figure = chart(TABLES["fig07"], result_table("fig07", np.random.default_rng(1)))
    small, _ = write_static(figure, tmp_path / "a", "f", scale=1)
    large, _ = write_static(figure, tmp_path / "b", "f", scale=2)

    def width(p: Path) -> int:  # PNG IHDR: width is bytes 16..20, big-endian
        return int.from_bytes(p.read_bytes()[16:20], "big")

    assert width(large) in (2 * width(small) - 1, 2 * width(small), 2 * width(small) + 1)


@pytest.mark.parametrize("table_id", [tid for tid, spec in TABLES.items() if spec.chart != "table"])
def test_every_static_figure_is_page_width_not_thousands_of_pixels(
    tmp_path: Path, table_id: str
) -> None:
    # fig06 once drew 13 years x 14 bins side by side: 6,699 px. A figure is now at most
    # two panels of STATIC_WIDTH plus axes (industry names), legend and padding.
    figure = chart(TABLES[table_id], result_table(table_id, np.random.default_rng(1)))
    _, svg = write_static(figure, tmp_path, table_id, scale=1)
    width = float(re.search(r'<svg[^>]*\bwidth="([\d.]+)"', svg.read_text()).group(1))
    assert width < 3 * STATIC_WIDTH
