"""One sentence per figure, computed from the run's own published numbers.

:func:`finding` reads the rows a chart draws (:func:`econscope.report.charts.chart_rows`:
suppressed cells already blanked) and says in one sentence what the figure shows, the
way the report does under each figure ("In 2022, 24% of firms revolved in an average
month, down from 31% in 2019"). Monthly shares are summarised per calendar year as the
mean of the year's published monthly values; a year needs at least one published month.
When the cells a sentence needs are suppressed or absent, there is no sentence (None),
never a number from a guess.

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

from econscope.smallbiz.tables import MODEL_LABELS, category_label

__all__ = ["finding"]

_BEFORE = "2019"  # the last full year before the pandemic, the report's comparison year


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _points(x: float) -> str:
    return f"{100 * x:.0f} percentage points"


def _money(x: float) -> str:
    return f"${x:,.0f}"


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


def _last_and_before(yearly: pd.Series) -> tuple[str, str] | None:
    """The last year, and 2019 (or else the first year) to compare it with."""
    if len(yearly) < 2:
        return None
    last = str(yearly.index[-1])
    before = _BEFORE if _BEFORE in yearly.index and last != _BEFORE else str(yearly.index[0])
    return last, before


def _direction(now: float, then: float) -> str:
    return "down from" if now < then else "up from" if now > then else "the same as"


def _fig02(rows: pd.DataFrame, _: Mapping[str, Any]) -> str | None:
    yearly = _yearly(rows, "share_revolving")
    years = _last_and_before(yearly)
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
    after = mine[mine["month"].astype(str) >= "2020-06"]
    if after.empty:
        return None
    base = context.get("index_base_month", "2020-01")
    last = str(after["month"].max())[:7]
    return (
        f"From June 2020 to {last}, the median average daily balance stood between "
        f"{after['value'].min():.0f} and {after['value'].max():.0f} "
        f"(index, {base} = 100)."
    )


def _fig04(rows: pd.DataFrame, _: Mapping[str, Any]) -> str | None:
    small, large = (
        _yearly(rows, "share_revolving", size_class="small"),
        _yearly(rows, "share_revolving", size_class="large"),
    )
    common = sorted(set(small.index) & set(large.index))
    if not common:
        return None
    year = common[-1]
    sentence = (
        f"In {year}, {_pct(large[year])} of firms with revenue above $100,000 revolved in an "
        f"average month, against {_pct(small[year])} of smaller firms"
    )
    b_small = _yearly(rows, "median_revolving_balance", size_class="small")
    b_large = _yearly(rows, "median_revolving_balance", size_class="large")
    if year in b_small.index and year in b_large.index:
        sentence += (
            f"; the median revolving balance was {_money(b_large[year])} for larger "
            f"revolvers and {_money(b_small[year])} for smaller ones"
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
    covers = _published(rows, "share_adb_covers_balance")
    keeps = _published(rows, "share_covers_and_keeps_buffer")
    if covers.empty or keeps.empty:
        return None
    before = covers["month"].astype(str) < "2020-01"
    when = "Before 2020" if before.any() else "Over the period"
    if before.any():
        covers = covers[before]
        keeps = keeps[keeps["month"].astype(str) < "2020-01"]
    if keeps.empty:
        return None
    days = context.get("buffer_days_threshold", 15.0)
    return (
        f"{when}, in an average month {_pct(covers['value'].mean())} of revolvers had an "
        f"average daily balance that covered their card bill, and "
        f"{_pct(keeps['value'].mean())} could have paid it and still kept {days:g} days of "
        "cash buffer."
    )


def _fig11(rows: pd.DataFrame, _: Mapping[str, Any]) -> str | None:
    rev = _yearly(rows, "median_cash_buffer_days", group="revolvers")
    tra = _yearly(rows, "median_cash_buffer_days", group="transactors")
    common = sorted(set(rev.index) & set(tra.index))
    if not common:
        return None
    year = _BEFORE if _BEFORE in common else common[-1]
    return (
        f"In {year}, the median revolver held {rev[year]:.0f} days of cash buffer, against "
        f"{tra[year]:.0f} days for the median transactor."
    )


def _fig12(rows: pd.DataFrame, _: Mapping[str, Any]) -> str | None:
    groups = [str(g) for g in pd.unique(rows["buffer_group"].dropna())]
    yearly = {g: _yearly(rows, "share_revolving", buffer_group=g) for g in groups}
    if len(yearly) != 2:
        return None
    (g1, s1), (g2, s2) = yearly.items()
    common = sorted(set(s1.index) & set(s2.index))
    if not common:
        return None
    year = common[-1]
    return (
        f"In {year}, {_pct(s1[year])} of firms with "
        f"{category_label('buffer_group', g1).lower()} of cash buffer revolved in an average "
        f"month, against {_pct(s2[year])} of firms with "
        f"{category_label('buffer_group', g2).lower()}."
    )


_FINDINGS: dict[str, Callable[[pd.DataFrame, Mapping[str, Any]], str | None]] = {
    "fig02": _fig02,
    "fig03": _fig03,
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
    ``context`` holds the settings a sentence names (``index_base_month``,
    ``buffer_days_threshold``), defaults otherwise.
    """
    make = _FINDINGS.get(table_id)
    if make is None or rows.empty:
        return None
    return make(rows, context or {})
