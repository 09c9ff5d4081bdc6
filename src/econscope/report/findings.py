"""One sentence per figure, computed from the run's own published numbers.

:func:`finding` reads the rows a chart draws (:func:`econscope.report.charts.chart_rows`:
suppressed cells already blanked) and says in one sentence what the figure shows, the
way the report does under each figure ("In 2022, 24% of firms revolved in an average
month, down from 31% in 2019"). Monthly shares are summarised per calendar year as the
mean of the year's published monthly values; a year needs at least one published month.
When the cells a sentence needs are suppressed or absent, there is no sentence (None),
never a number from a guess.

The sentences follow the run's settings (``context["settings"]``): money in its currency
and price year, the size threshold, and the period. The findings under fig10-fig12
summarise ``results.findings_window`` (the report's "before 2020": 2010-01 to 2019-12)
clipped to the months published, or the whole period when the window misses them; fig02
compares the last year with the window's last year; fig03 describes the months after the
relief inflows (from June 2020) when the data reach them, else its whole period.

>>> import pandas as pd
>>> from econscope.smallbiz.tables import TABLES
>>> from econscope.report.charts import chart_rows
>>> months = [f"{y}-{m:02d}" for y in (2019, 2022) for m in (1, 2)]
>>> rows = pd.DataFrame({"month": months, "measure": "share_revolving",
...                      "value": [0.30, 0.32, 0.25, 0.23], "n_firms": 100,
...                      "suppressed": False})
>>> finding("fig02", chart_rows(TABLES["fig02"], rows, k=10))
'In 2022, 24% of firms revolved in an average month, down from 31% in 2019.'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from econscope.config import Settings
from econscope.smallbiz.tables import MODEL_LABELS, category_label, money

__all__ = ["finding"]

_RELIEF = "2020-06"  # the first month after the relief inflows (fig03's finding)


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _points(x: float) -> str:
    return f"{100 * x:.0f} percentage points"


def _settings(context: Mapping[str, Any]) -> Settings:
    s = context.get("settings")
    return s if isinstance(s, Settings) else Settings()


def _money(x: float, context: Mapping[str, Any]) -> str:
    return money(x, _settings(context))


def _month_words(month: str) -> str:
    """'2019-12' -> 'December 2019'."""
    return f"{pd.Timestamp(month[:7] + '-01'):%B %Y}"


def _published(rows: pd.DataFrame, measure: str, **dims: str) -> pd.DataFrame:
    mine = rows[(rows["measure"] == measure) & rows["value"].notna()]
    for dim, value in dims.items():
        mine = mine[mine[dim].astype(str) == value]
    return mine


def _yearly(rows: pd.DataFrame, measure: str, **dims: str) -> pd.Series:
    """Mean of the published monthly values per calendar year ('YYYY' -> value)."""
    mine = _published(rows, measure, **dims)
    if mine.empty:
        return pd.Series(dtype="float64")
    return mine.groupby(mine["month"].astype(str).str.slice(0, 4))["value"].mean().sort_index()


def _window(rows: pd.DataFrame, context: Mapping[str, Any]) -> tuple[str, str] | None:
    """The findings window (YYYY-MM, YYYY-MM) clipped to the published months; the whole
    period when the window misses them; None without a published month."""
    months = rows.loc[rows["value"].notna(), "month"].astype(str).str.slice(0, 7)
    if months.empty:
        return None
    lo, hi = months.min(), months.max()
    first, last = _settings(context).results.findings_window
    if last < lo or first > hi:
        return lo, hi
    return max(first, lo), min(last, hi)


def _in_window(rows: pd.DataFrame, window: tuple[str, str]) -> pd.DataFrame:
    month = rows["month"].astype(str).str.slice(0, 7)
    return rows[(month >= window[0]) & (month <= window[1])]


def _window_words(window: tuple[str, str]) -> str:
    first, last = window
    if first == last:
        return f"In {_month_words(first)}"
    return f"From {_month_words(first)} to {_month_words(last)}"


def _last_and_before(yearly: pd.Series, before_year: str) -> tuple[str, str] | None:
    """The last year, and ``before_year`` (or else the first year) to compare it with."""
    if len(yearly) < 2:
        return None
    last = str(yearly.index[-1])
    before = before_year if before_year in yearly.index and last != before_year else None
    return last, before or str(yearly.index[0])


def _direction(now: float, then: float) -> str:
    return "down from" if now < then else "up from" if now > then else "the same as"


def _fig02(rows: pd.DataFrame, context: Mapping[str, Any]) -> str | None:
    yearly = _yearly(rows, "share_revolving")
    window = _window(rows, context)
    years = _last_and_before(yearly, window[1][:4] if window else "")
    if years is None:
        return None
    last, before = years
    now, then = yearly[last], yearly[before]
    return (
        f"In {last}, {_pct(now)} of firms revolved in an average month, "
        f"{_direction(round(now, 2), round(then, 2))} {_pct(then)} in {before}."
    )


def _fig03(rows: pd.DataFrame, context: Mapping[str, Any]) -> str | None:
    mine = _published(rows, "median_adb_index")
    if mine.empty:
        return None
    base = _settings(context).results.index_base_month
    after = mine[mine["month"].astype(str) >= _RELIEF]
    last = str(mine["month"].max())[:7]
    if not after.empty and str(mine["month"].min())[:7] < _RELIEF:
        return (
            f"From June 2020 to {_month_words(last)}, the median average daily balance stood "
            f"between {after['value'].min():.0f} and {after['value'].max():.0f} "
            f"(index, {_month_words(base)} = 100)."
        )
    first = str(mine["month"].min())[:7]
    at_last = float(mine.loc[mine["month"].astype(str).str.slice(0, 7) == last, "value"].iloc[0])
    return (
        f"From {_month_words(first)} to {_month_words(last)}, the median average daily "
        f"balance stood between {mine['value'].min():.0f} and {mine['value'].max():.0f} "
        f"(index, {_month_words(base)} = 100); in {_month_words(last)} it was {at_last:.0f}."
    )


def _fig04(rows: pd.DataFrame, context: Mapping[str, Any]) -> str | None:
    small, large = (
        _yearly(rows, "share_revolving", size_class="small"),
        _yearly(rows, "share_revolving", size_class="large"),
    )
    common = sorted(set(small.index) & set(large.index))
    if not common:
        return None
    year = common[-1]
    threshold = _money(_settings(context).size.large_revenue_threshold, context)
    sentence = (
        f"In {year}, {_pct(large[year])} of firms with revenue above {threshold} revolved in "
        f"an average month, against {_pct(small[year])} of smaller firms"
    )
    b_small = _yearly(rows, "median_revolving_balance", size_class="small")
    b_large = _yearly(rows, "median_revolving_balance", size_class="large")
    if year in b_small.index and year in b_large.index:
        sentence += (
            f"; the median revolving balance was {_money(b_large[year], context)} for larger "
            f"revolvers and {_money(b_small[year], context)} for smaller ones"
        )
    return sentence + "."


def _fig05(rows: pd.DataFrame, _: Mapping[str, Any]) -> str | None:
    mine = _published(rows, "share_revolving")
    years = sorted(mine["year"].astype(str).unique())
    if not years:
        return None
    last = mine[mine["year"].astype(str) == years[-1]].set_index("industry")["value"]
    if len(last) < 2:
        return None
    low, high = last.idxmin(), last.idxmax()
    sentence = (
        f"In {years[-1]}, the share of firms revolving ranged from {_pct(last[low])} in "
        f"{low} to {_pct(last[high])} in {high}, a gap of {_points(last[high] - last[low])}"
    )
    if len(years) > 1:
        first = mine[mine["year"].astype(str) == years[0]].set_index("industry")["value"]
        both = last.index.intersection(first.index)
        fell = int((last[both] < first[both]).sum())
        sentence += f"; it fell from {years[0]} in {fell} of {len(both)} industries"
    return sentence + "."


def _fig06(rows: pd.DataFrame, _: Mapping[str, Any]) -> str | None:
    mine = _published(rows, "share_of_firms")
    for year in sorted(mine["year"].astype(str).unique(), reverse=True):  # latest complete
        shares = mine[mine["year"].astype(str) == year].set_index("months_revolved")["value"]
        if not {"0", "12"} <= set(shares.index):
            continue
        sentence = (
            f"In {year}, {_pct(shares['0'])} of firms never revolved and "
            f"{_pct(shares['12'])} revolved in all 12 months"
        )
        if "1-11" in shares.index:
            sentence += f"; {_pct(shares['1-11'])} revolved in some months but not all"
        return sentence + "."
    return None


def _fig07(rows: pd.DataFrame, _: Mapping[str, Any]) -> str | None:
    never = _published(rows, "share_revolving_0_next_year", months_revolved="0")
    always = _published(rows, "share_revolving_12_next_year", months_revolved="12")
    if never.empty or always.empty:
        return None
    return (
        f"Of firms that never revolved in a year, {_pct(never['value'].iloc[0])} again never "
        f"revolved the next year; of firms that revolved every month, "
        f"{_pct(always['value'].iloc[0])} did so again the next year."
    )


def _fig08(rows: pd.DataFrame, _: Mapping[str, Any]) -> str | None:
    mine = _published(rows, "predicted_probability")
    days = sorted(set(mine["cash_buffer_days"].astype(float)))
    if len(days) < 2:
        return None
    lo = 10.0 if 10.0 in days else days[0]
    hi = 20.0 if 20.0 in days and lo < 20.0 else days[-1]
    at_lo, at_hi = [], []
    for model in ("lpm", "logit"):
        at = mine[mine["model"].astype(str) == model].set_index("cash_buffer_days")["value"]
        if lo in at.index and hi in at.index:
            at_lo.append((MODEL_LABELS[model].lower(), _pct(at[lo])))
            at_hi.append(_pct(at[hi]))
    if not at_lo:
        return None
    (first, p_first), *rest = at_lo
    said = f"the {first} model predicts a {p_first} probability of revolving"
    said += "".join(f" and the {name} model {p}" for name, p in rest)
    return f"At {lo:g} cash buffer days {said}; at {hi:g} days, " + " and ".join(at_hi) + "."


def _fig09(rows: pd.DataFrame, _: Mapping[str, Any]) -> str | None:
    for model in ("lpm", "logit", "fe_lpm"):
        at = _published(rows, "predicted_probability", model=model).set_index("industry")["value"]
        if len(at) >= 2:
            low, high = at.idxmin(), at.idxmax()
            return (
                f"At the same cash position, the {MODEL_LABELS[model].lower()} model puts the "
                f"probability of revolving between {_pct(at[low])} ({low}) and "
                f"{_pct(at[high])} ({high}), a gap of {_points(at[high] - at[low])}."
            )
    return None


def _fig10(rows: pd.DataFrame, context: Mapping[str, Any]) -> str | None:
    window = _window(rows, context)
    if window is None:
        return None
    covers = _published(_in_window(rows, window), "share_adb_covers_balance")
    keeps = _published(_in_window(rows, window), "share_covers_and_keeps_buffer")
    if covers.empty or keeps.empty:
        return None
    days = _settings(context).results.buffer_days_threshold
    return (
        f"{_window_words(window)}, in an average month {_pct(covers['value'].mean())} of "
        f"revolvers had an average daily balance that covered their card bill, and "
        f"{_pct(keeps['value'].mean())} could have paid it and still kept {days:g} days of "
        "cash buffer."
    )


def _fig11(rows: pd.DataFrame, context: Mapping[str, Any]) -> str | None:
    window = _window(rows, context)
    if window is None:
        return None
    mine = _in_window(rows, window)
    rev = _published(mine, "median_cash_buffer_days", group="revolvers")
    tra = _published(mine, "median_cash_buffer_days", group="transactors")
    if rev.empty or tra.empty:
        return None
    return (
        f"{_window_words(window)}, the median revolver held {rev['value'].mean():.0f} days "
        f"of cash buffer in an average month, against {tra['value'].mean():.0f} days for "
        "the median transactor."
    )


def _fig12(rows: pd.DataFrame, context: Mapping[str, Any]) -> str | None:
    window = _window(rows, context)
    if window is None:
        return None
    mine = _in_window(rows, window)
    groups = [str(g) for g in pd.unique(rows["buffer_group"].dropna())]
    shares = {g: _published(mine, "share_revolving", buffer_group=g)["value"] for g in groups}
    shares = {g: v.mean() for g, v in shares.items() if not v.empty}
    if len(shares) != 2:
        return None
    (g1, s1), (g2, s2) = shares.items()
    return (
        f"{_window_words(window)}, {_pct(s1)} of firms with "
        f"{category_label('buffer_group', g1).lower()} of cash buffer revolved in an average "
        f"month, against {_pct(s2)} of firms with "
        f"{category_label('buffer_group', g2).lower()}."
    )


def _cashflow(rows: pd.DataFrame, context: Mapping[str, Any]) -> str | None:
    days = _yearly(rows, "median_cash_buffer_days")
    revenues = _yearly(rows, "median_revenues")
    expenses = _yearly(rows, "median_expenses")
    common = sorted(set(days.index) & set(revenues.index) & set(expenses.index))
    if not common:
        return None
    year = common[-1]
    return (
        f"In {year}, the median firm held {days[year]:.0f} days of cash buffer in an average "
        f"month; median monthly revenues were {_money(revenues[year], context)} and median "
        f"monthly expenses {_money(expenses[year], context)}."
    )


_FINDINGS: dict[str, Callable[[pd.DataFrame, Mapping[str, Any]], str | None]] = {
    "fig02": _fig02,
    "fig03": _fig03,
    "cashflow": _cashflow,
    "fig04": _fig04,
    "fig05": _fig05,
    "fig06": _fig06,
    "fig07": _fig07,
    "fig08": _fig08,
    "fig09": _fig09,
    "fig10": _fig10,
    "fig11": _fig11,
    "fig12": _fig12,
}


def finding(
    table_id: str, rows: pd.DataFrame, context: Mapping[str, Any] | None = None
) -> str | None:
    """The figure's one-sentence finding, or None when its cells are not published.

    ``rows`` are the chart's rows (:func:`~econscope.report.charts.chart_rows`);
    ``context["settings"]`` holds the run's (effective) settings, whose currency, size
    threshold, base month, buffer-days threshold and findings window the sentences use;
    the defaults otherwise.
    """
    make = _FINDINGS.get(table_id)
    if make is None or rows.empty:
        return None
    return make(rows, context or {})
