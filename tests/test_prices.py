"""Price index coverage: a monthly CPI file must cover every month it is asked for."""

from __future__ import annotations

from pathlib import Path

from econscope.config import load_settings
from econscope.smallbiz.method.prices import missing_cpi_months


def _monthly_file(tmp_path: Path, months: list[tuple[int, int]]) -> Path:
    f = tmp_path / "cpi.csv"
    f.write_text("year,month,cpi\n" + "".join(f"{y},{m},{250 + m}\n" for y, m in months))
    return f


def test_months_missing_from_a_partial_year_are_named(tmp_path: Path) -> None:
    # 2022 complete (the base year), 2021 with January-June only.
    rows = [(2022, m) for m in range(1, 13)] + [(2021, m) for m in range(1, 7)]
    settings = load_settings(
        overrides=[f'prices.cpi_monthly_file="{_monthly_file(tmp_path, rows)}"']
    )
    asked = [(2021, 5), (2021, 7), (2021, 12), (2022, 3)]
    assert missing_cpi_months(settings, asked) == ["2021-07", "2021-12"]


def test_annual_table_is_not_checked_by_month() -> None:
    assert missing_cpi_months(load_settings(), [(1990, 1)]) == []
