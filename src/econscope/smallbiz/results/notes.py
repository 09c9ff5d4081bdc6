"""What the analysis decided for this run's data, published as ``results/notes.csv``.

Some result settings depend on the calendar: fig03's index base month (default
2020-01) and fig05's two comparison years (default 2019 and 2022) were chosen for the
report's 2010-2022 data, as were Table A1's revenue year (2022) and the window of the
findings under fig10-fig12 (2010-01 to 2019-12, the report's "before 2020"). On a bank whose data
cover other years they would give an empty figure. :func:`period_defaults` keeps a
configured value when the data cover it
and otherwise falls back to the data's own period (the first month with an ADB; the
first and last years), and says so in a note that the report shows. A deposit-only run
(no card data) adds its own note. ``notes.csv`` has the columns setting, value, note;
the report applies the ``results.*`` rows to its titles.

>>> import datetime as dt
>>> from econscope.config import Settings
>>> s, notes = period_defaults(Settings(), dt.date(1993, 1, 1), dt.date(1994, 3, 1))
>>> s.results.index_base_month, s.results.industry_years
('1993-01', (1993, 1994))
>>> s.results.findings_window
('1993-01', '1994-03')
>>> [n.setting for n in notes]  # doctest: +NORMALIZE_WHITESPACE
['results.index_base_month', 'results.industry_years', 'results.findings_window',
 'results.tabA1_revenue_year']
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from econscope.config import Settings

__all__ = ["NOTES_FILE", "NOTE_COLUMNS", "Note", "notes_frame", "period_defaults"]

NOTES_FILE = "notes.csv"
NOTE_COLUMNS: tuple[str, ...] = ("setting", "value", "note")


@dataclass(frozen=True)
class Note:
    """One decision: the setting it concerns (or a topic), the value used, and why;
    ``warn`` makes the note a warning too (the report always shows it)."""

    setting: str
    value: str
    note: str
    warn: bool = True


def period_defaults(
    settings: Settings, first_month: dt.date | None, last_month: dt.date | None
) -> tuple[Settings, list[Note]]:
    """The settings with calendar-dependent result settings moved inside the data's months.

    ``first_month`` and ``last_month`` are the first and last months (first days) of the
    data with an ADB; None (no data) changes nothing.
    """
    if first_month is None or last_month is None:
        return settings, []
    r = settings.results
    notes: list[Note] = []
    lo, hi = f"{first_month:%Y-%m}", f"{last_month:%Y-%m}"
    if not lo <= r.index_base_month <= hi:
        notes.append(
            Note(
                "results.index_base_month",
                lo,
                f"fig03: the configured index base month {r.index_base_month} is outside the "
                f"data ({lo} to {hi}); the index uses {lo} = 100 instead "
                "(set results.index_base_month to choose another month).",
                warn=False,
            )
        )
    years = tuple(range(first_month.year, last_month.year + 1))
    inside = tuple(y for y in r.industry_years if y in years)
    if not inside:
        chosen = tuple(dict.fromkeys((years[0], years[-1])))
        notes.append(
            Note(
                "results.industry_years",
                "[" + ", ".join(str(y) for y in chosen) + "]",
                f"fig05: the configured years {list(r.industry_years)} are outside the data "
                f"({years[0]} to {years[-1]}); fig05 compares {' and '.join(map(str, chosen))} "
                "instead (set results.industry_years to choose).",
                warn=False,
            )
        )
    elif len(inside) < len(r.industry_years):
        outside = [y for y in r.industry_years if y not in years]
        notes.append(
            Note(
                "results.industry_years",
                "[" + ", ".join(str(y) for y in inside) + "]",
                f"fig05: the data ({years[0]} to {years[-1]}) do not cover {outside}; "
                f"fig05 shows {' and '.join(map(str, inside))} only.",
                warn=False,
            )
        )
    first, last = r.findings_window
    if last < lo or first > hi:
        notes.append(
            Note(
                "results.findings_window",
                f'["{lo}", "{hi}"]',
                f"findings: the configured window {first} to {last} of the sentences under "
                f"fig10, fig11 and fig12 is outside the data ({lo} to {hi}); they summarise "
                f"the data's whole period instead (set results.findings_window to choose).",
                warn=False,
            )
        )
    year = r.tabA1_revenue_year
    if year != "all" and year not in years:
        notes.append(
            Note(
                "results.tabA1_revenue_year",
                str(years[-1]),
                f"tabA1: the configured revenue year {year} is outside the data ({years[0]} "
                f"to {years[-1]}); Table A1 reads {years[-1]} revenue instead (set "
                "results.tabA1_revenue_year to choose a year, or 'all').",
                warn=False,
            )
        )
    if not notes:
        return settings, notes
    return settings.with_overrides([f"{n.setting}={n.value}" for n in notes]), notes


def notes_frame(notes: list[Note]) -> pd.DataFrame:
    """The notes as the published table (columns :data:`NOTE_COLUMNS`)."""
    return pd.DataFrame(
        [(n.setting, n.value, n.note) for n in notes], columns=list(NOTE_COLUMNS), dtype=str
    )
