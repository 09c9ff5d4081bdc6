"""The simulator's calendar: months of the window, their days, prices and pandemic phases."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from econscope.config import CPI_U_ANNUAL

_EPOCH_2020_03 = np.datetime64("2020-03", "M")


@dataclass(frozen=True)
class Grid:
    """Monthly calendar of a simulation (arrays of length ``n_months`` + 1).

    Days are int64 days since 1970-01-01. Index ``n_months`` is the month after the window
    (needed for the next statement date of the last cycle). The first ``window_start``
    months are the burn-in before the written window; prices are relative to the window's
    first month.
    """

    months: np.ndarray  # datetime64[M], n_months + 1
    month_start: np.ndarray  # int64 day
    month_end: np.ndarray  # int64 day (last day of the month)
    calendar_month: np.ndarray  # 1..12
    price: np.ndarray  # CPI-U relative to the window's first month
    pandemic: np.ndarray  # months since March 2020 (negative before)
    window_start: int = 0  # index of the window's first month (months before: burn-in)

    @property
    def n_months(self) -> int:
        return len(self.months) - 1

    @property
    def first_day(self) -> int:
        """The window's first day (after the burn-in)."""
        return int(self.month_start[self.window_start])

    @property
    def last_day(self) -> int:
        return int(self.month_end[self.n_months - 1])


def _cpi_monthly(months: np.ndarray) -> np.ndarray:
    years = np.array(sorted(CPI_U_ANNUAL), dtype=float)
    cpi = np.array([CPI_U_ANNUAL[int(y)] for y in years])
    # Annual averages sit at mid-year; extrapolate with the first/last year's growth.
    x = years + 0.5
    t = months.astype("datetime64[M]").astype(np.int64) / 12.0 + 1970 + 1 / 24
    lo_rate = np.log(cpi[1] / cpi[0])
    hi_rate = np.log(cpi[-1] / cpi[-2])
    log_cpi = np.interp(t, x, np.log(cpi))
    log_cpi = np.where(t < x[0], np.log(cpi[0]) + lo_rate * (t - x[0]), log_cpi)
    log_cpi = np.where(t > x[-1], np.log(cpi[-1]) + hi_rate * (t - x[-1]), log_cpi)
    return np.exp(log_cpi)


def make_grid(start: str, end: str, burn_in: int = 0) -> Grid:
    """The calendar from month ``start`` to month ``end`` inclusive (``YYYY-MM``), after
    ``burn_in`` months before ``start`` that the simulator runs but does not write.

    >>> g = make_grid("2020-01", "2020-03")
    >>> g.n_months, [int(x) for x in g.pandemic[:3]]
    (3, [-2, -1, 0])
    >>> g = make_grid("2020-01", "2020-03", burn_in=2)
    >>> g.n_months, g.window_start, str(g.months[0]), float(g.price[2])
    (5, 2, '2019-11', 1.0)
    """
    first = np.datetime64(start, "M") - burn_in
    last = np.datetime64(end, "M")
    months = first + np.arange(int((last - first).astype(int)) + 2)
    month_start = months.astype("datetime64[D]").astype(np.int64)
    month_end = (months + 1).astype("datetime64[D]").astype(np.int64) - 1
    calendar_month = (months.astype(np.int64) % 12 + 1).astype(np.int64)
    cpi = _cpi_monthly(months)
    pandemic = (months - _EPOCH_2020_03).astype(np.int64)
    price = cpi / cpi[burn_in]
    return Grid(months, month_start, month_end, calendar_month, price, pandemic, burn_in)
