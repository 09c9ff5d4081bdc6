"""Periods of observations: a year, a quarter, a month, a day, or a range of them.

Every observation's period is a string in one canonical form, so that engine tables can
hold it and compare it: ``2021``, ``2022Q1``, ``2022-03``, ``2022-03-31``, and ranges
``2022-01..2022-04`` (January to April 2022) or ``2016..2021``. :func:`parse_period` reads
the usual spellings and returns a :class:`Period` with its first and last day.

>>> p = parse_period("2022-01..2022-04")
>>> p.label, p.start.isoformat(), p.end.isoformat(), p.months
('2022-01..2022-04', '2022-01-01', '2022-04-30', 4)
>>> parse_period("2022 Q1").label, parse_period("2022-Q1").months
('2022Q1', 3)
>>> parse_period("2022-01..2022-03").same_span(parse_period("2022Q1"))
True
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from econscope.errors import DataError

__all__ = ["Frequency", "Period", "parse_period"]

Frequency = Literal["year", "quarter", "month", "day", "range"]

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})\s*-?\s*[Qq]([1-4])$|^[Qq]([1-4])\s*-?\s*(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$|^(\d{4})M(\d{1,2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_WDI_YEAR = re.compile(r"^(\d{4})\s*\[YR\d{4}\]$")


@dataclass(frozen=True, order=True)
class Period:
    """A span of calendar days with its canonical label.

    ``start`` and ``end`` are inclusive. Two periods combine in arithmetic only when
    they cover the same days (:meth:`same_span`); a quarter and the range of its three
    months are the same span.
    """

    start: dt.date
    end: dt.date
    label: str
    frequency: Frequency

    @property
    def months(self) -> int:
        """Whole calendar months covered (0 for a span shorter than a month)."""
        if self.start.day != 1 or self.end != _month_end(self.end.year, self.end.month):
            return 0
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    @property
    def years(self) -> float:
        """Length in years: months / 12 when whole months, else days / 365.25."""
        months = self.months
        if months:
            return months / 12
        return ((self.end - self.start).days + 1) / 365.25

    def same_span(self, other: Period) -> bool:
        """Whether both periods cover exactly the same days."""
        return (self.start, self.end) == (other.start, other.end)

    def contains(self, other: Period) -> bool:
        """Whether ``other`` lies within this period."""
        return self.start <= other.start and other.end <= self.end

    def __str__(self) -> str:
        return self.label


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _single(text: str) -> Period:
    s = text.strip()
    if m := _WDI_YEAR.match(s):
        s = m.group(1)
    if m := _YEAR.match(s):
        y = int(m.group(1))
        return Period(dt.date(y, 1, 1), dt.date(y, 12, 31), str(y), "year")
    if m := _QUARTER.match(s):
        y = int(m.group(1) or m.group(4))
        q = int(m.group(2) or m.group(3))
        first = 3 * q - 2
        return Period(dt.date(y, first, 1), _month_end(y, first + 2), f"{y}Q{q}", "quarter")
    if m := _MONTH.match(s):
        y = int(m.group(1) or m.group(3))
        mo = int(m.group(2) or m.group(4))
        if not 1 <= mo <= 12:
            raise DataError(f"month {mo} is not 1-12 in period {text!r}", hint="write YYYY-MM")
        return Period(dt.date(y, mo, 1), _month_end(y, mo), f"{y}-{mo:02d}", "month")
    if m := _DAY.match(s):
        try:
            d = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            raise DataError(f"impossible date {text!r}", hint="write YYYY-MM-DD") from None
        return Period(d, d, d.isoformat(), "day")
    raise DataError(
        f"unreadable period {text!r}",
        hint="write a year (2021), quarter (2022Q1), month (2022-03), day (2022-03-31) "
        "or a range (2022-01..2022-04)",
    )


def parse_period(text: str | int | Period) -> Period:
    """Read a period: ``2021``, ``2022Q1``, ``Q1 2022``, ``2022-03``, ``2022M03``,
    ``2022-03-31``, ``2010 [YR2010]`` (WDI DataBank) or a range ``A..B`` of any of these.

    >>> parse_period(2021).years
    1.0
    >>> parse_period("2016..2021").label
    '2016..2021'
    """
    if isinstance(text, Period):
        return text
    s = str(text).strip()
    if ".." in s:
        left, _, right = s.partition("..")
        a, b = _single(left), _single(right)
        if b.end < a.start:
            raise DataError(f"period range {s!r} ends before it starts", hint="write FROM..TO")
        if a.same_span(b):
            return a
        return Period(a.start, b.end, f"{a.label}..{b.label}", "range")
    return _single(s)
