"""How a run compares with the published report: the targets and the comparison.

The report's published numbers and qualitative findings ship with the package as one table,
``econscope/smallbiz/targets.csv`` (:func:`targets`): per target its id, the figure, what
is read, how it is read from the result tables, the report's value or range, the
tolerance and the report's source sentence. :func:`compare` reads any run's published
result tables (``results/fig02.csv`` ... ``tabA1.csv``, ``models.csv``; the simulated
bank's or a user's own) exactly as a reader of those tables would, and puts each
reproduced number next to the published one. It reads only published cells (suppressed
cells are skipped), so it discloses nothing the tables do not.

A number is within tolerance when it lies in [low - tol, high + tol] (``unit`` share or
index: ``tol`` in the unit, e.g. 0.03 = 3 points; dollars or days: ``tol`` is a share of
the bound, e.g. 0.15 = 15%). A one-sided target (only ``low`` or only ``high``) has no
bound on the other side. A finding is a yes/no reading. A target that the tables cannot
give (a suppressed cell, a year outside the data, the panel missing for standardised
effects) has ``within`` null and says why in ``note``.

>>> t = targets()
>>> int((t.kind == "number").sum()), int((t.kind == "finding").sum())
(35, 13)
>>> within(0.36, 0.35, 0.36, 0.03, "share"), within(0.40, 0.35, 0.36, 0.03, "share")
(True, False)
>>> within(8_900.0, 7_000.0, 7_000.0, 0.15, "dollars")
False
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from econscope.engine import atomic_path
from econscope.errors import StageError
from econscope.smallbiz.tables import TABLES

__all__ = [
    "FIDELITY_COLUMNS",
    "FIDELITY_FILE",
    "compare",
    "distance",
    "targets",
    "within",
    "write_fidelity",
]

FIDELITY_FILE = "fidelity.csv"
#: Columns of results/fidelity.csv, one row per target.
FIDELITY_COLUMNS: tuple[str, ...] = (
    "id",
    "figure",
    "kind",
    "what",
    "report",
    "reproduced",
    "low",
    "high",
    "tolerance",
    "unit",
    "within",
    "note",
    "how",
    "source",
)
_RELATIVE_UNITS = ("dollars", "days")
_PANEL = Path("panel") / "panel.parquet"


def targets() -> pd.DataFrame:
    """The report's targets shipped with the package (``econscope/smallbiz/targets.csv``)."""
    text = resources.files("econscope.smallbiz").joinpath("targets.csv")
    with text.open("rb") as fh:
        frame = pd.read_csv(fh, dtype={"id": "str", "figure": "str", "kind": "str"})
    return frame


def within(value: float, low: float | None, high: float | None, tol: float, unit: str) -> bool:
    """Whether ``value`` lies in [low - tol, high + tol] (``tol`` relative for dollars/days)."""
    lo = -math.inf if low is None or _missing(low) else low
    hi = math.inf if high is None or _missing(high) else high
    if unit in _RELATIVE_UNITS:
        lo, hi = lo * (1 - tol), hi * (1 + tol)
    else:
        lo, hi = lo - tol, hi + tol
    return bool(lo <= value <= hi)


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


class _NotReadable(Exception):
    """The tables cannot give this target; the message says why."""


@dataclass(frozen=True)
class _Run:
    """A run's published tables, read lazily (a missing table is a reason, not a crash)."""

    results: Path
    run_dir: Path

    def table(self, table_id: str) -> pd.DataFrame:
        from econscope.smallbiz.analysis import read_result

        path = self.results / f"{table_id}.csv"
        if not path.exists():
            raise _NotReadable(f"{table_id}.csv is missing")
        frame = read_result(path, table_id)
        return frame[~frame.suppressed.astype(bool) & frame.value.notna()]

    def period(self) -> tuple[str, str] | None:
        """First and last month (YYYY-MM) of the run's monthly tables, published or not."""
        months: list[str] = []
        for table_id in ("fig02", "fig03", "cashflow"):
            path = self.results / f"{table_id}.csv"
            if path.exists():
                month = pd.read_csv(path, usecols=["month"], dtype=str)["month"].dropna()
                months += [m[:7] for m in month]
        return (min(months), max(months)) if months else None

    def uncovered(self, first: str, last: str) -> str | None:
        """Why a window's cells are absent when the data do not reach it (else None)."""
        period = self.period()
        if period is None or (first <= period[1] and last >= period[0]):
            return None
        return f"outside this run's period: the data cover {period[0]} to {period[1]}"

    def models(self) -> pd.DataFrame:
        path = self.results / "models.csv"
        if not path.exists():
            raise _NotReadable("models.csv is missing")
        return pd.read_csv(path, dtype={"model": "str", "term": "str"})


def _values(run: _Run, table_id: str, measure: str, **dims: object) -> pd.DataFrame:
    t = run.table(table_id)
    t = t[t.measure == measure]
    for col, want in dims.items():
        t = t[t[col].astype(str) == str(want)]
    return t


def _months(t: pd.DataFrame, first: str, last: str) -> pd.Series:
    month = pd.to_datetime(t["month"]).dt.strftime("%Y-%m")
    return t.value[(month >= first) & (month <= last)].astype(float)


def _agg(values: pd.Series, how: str, what: str) -> float:
    if values.empty:
        raise _NotReadable(f"no published cell for {what}")
    return float(values.max() if how == "max" else values.mean())


def _monthly(
    table_id: str, measure: str, first: str, last: str, how: str = "mean", **dims: object
) -> Callable[[_Run], float]:
    def read(run: _Run) -> float:
        if why := run.uncovered(first, last):
            raise _NotReadable(why)
        t = _values(run, table_id, measure, **dims)
        return _agg(_months(t, first, last), how, f"{table_id} {measure} {first}..{last}")

    return read


def _year_covered(run: _Run, year: object) -> None:
    if why := run.uncovered(f"{year}-01", f"{year}-12"):
        raise _NotReadable(why)


def _cell(table_id: str, measure: str, **dims: object) -> Callable[[_Run], float]:
    def read(run: _Run) -> float:
        if "year" in dims:
            _year_covered(run, dims["year"])
        t = _values(run, table_id, measure, **dims)
        return _agg(t.value.astype(float), "mean", f"{table_id} {measure} {dims}")

    return read


def _some_months(run: _Run) -> float:
    t = _values(run, "fig06", "share_of_firms", months_revolved="1-11")
    return _agg(t.value.astype(float), "mean", "fig06 1-11 months")


def _industry_gap(run: _Run) -> float:
    _year_covered(run, 2022)
    t = _values(run, "fig05", "share_revolving", year=2022)
    if len(t) < 2:
        raise _NotReadable("fewer than two industries published for 2022")
    return float(t.value.max() - t.value.min())


def _prediction_range(model: str) -> Callable[[_Run], float]:
    def read(run: _Run) -> float:
        t = _values(run, "fig09", "predicted_probability", model=model)
        if len(t) < 2:
            raise _NotReadable(f"fewer than two industries published for {model}")
        return float(t.value.max() - t.value.min())

    return read


def _prediction(run: _Run, model: str, days: float) -> float:
    t = _values(run, "fig08", "predicted_probability", model=model)
    hit = t[t.cash_buffer_days.astype(float) == days]
    return _agg(hit.value.astype(float), "mean", f"fig08 {model} at {days:g} days")


def _buffer_group(run: _Run, high: bool) -> str:
    groups = run.table("fig12").buffer_group.astype(str).unique()
    pick = [g for g in groups if g.startswith(">" if high else "<=")]
    if not pick:
        raise _NotReadable("fig12 publishes no cell of that buffer group (all suppressed)")
    return str(pick[0])


def _fig12(measure: str, high: bool, first: str, last: str) -> Callable[[_Run], float]:
    def read(run: _Run) -> float:
        if why := run.uncovered(first, last):
            raise _NotReadable(why)
        t = _values(run, "fig12", measure, buffer_group=_buffer_group(run, high))
        return _agg(_months(t, first, last), "mean", f"fig12 {measure} {first}..{last}")

    return read


# ------------------------------------------------------------------------------ findings
_COVARIATES = ("revenues", "expenses", "net_cash_flow", "adb", "cash_buffer_days")


def _coef(run: _Run, model: str, term: str, column: str = "estimate") -> float:
    m = run.models()
    hit = m[(m.model == model) & (m.term == term)]
    if hit.empty or pd.isna(hit[column].iloc[0]):
        raise _NotReadable(f"models.csv has no {column} for {model} {term}")
    return float(hit[column].iloc[0])


def _ncf_negative(run: _Run) -> bool:
    return all(_coef(run, m, "net_cash_flow") < 0 for m in ("lpm", "logit", "fe_lpm"))


def _all_significant(run: _Run) -> bool:
    return all(_coef(run, m, t, "p_value") < 0.05 for m in ("lpm", "logit") for t in _COVARIATES)


def _covariate_sd(run: _Run) -> Mapping[str, float]:
    from econscope.engine import connect, read_table
    from econscope.smallbiz.results.models import COVARIATE_SOURCES

    path = run.run_dir / _PANEL
    if not path.exists():
        raise _NotReadable("needs the run's panel (panel/panel.parquet) for standard deviations")
    con = connect()
    p = read_table(con, path)
    needed = {"revolving", "cash_buffer_days", *(col for col, _ in COVARIATE_SOURCES.values())}
    missing = sorted(needed - set(p.columns))
    if missing:
        raise _NotReadable(f"panel/panel.parquet lacks {', '.join(missing)}")
    p = p.filter(p.revolving.notnull() & p.cash_buffer_days.notnull())
    aggs = {
        t: (p[col].cast("float64") * factor).std() for t, (col, factor) in COVARIATE_SOURCES.items()
    }
    row = con.to_pyarrow(p.aggregate(**aggs)).to_pylist()[0]
    if any(row[t] is None for t in COVARIATE_SOURCES):  # e.g. a deposit-only panel: no card cycles
        raise _NotReadable("the panel has no cycle with a known revolving status")
    return {t: float(row[t]) for t in COVARIATE_SOURCES}


def _largest_effects(run: _Run) -> bool:
    sd = _covariate_sd(run)
    for model in ("lpm", "logit"):
        effect = {t: abs(_coef(run, model, t) * sd[t]) for t in _COVARIATES}
        top = sorted(effect, key=effect.__getitem__, reverse=True)[:2]
        if set(top) != {"adb", "cash_buffer_days"}:
            return False
    return True


def _fe_flatter(run: _Run) -> bool:
    def fall(model: str) -> float:
        return _prediction(run, model, 0.0) - _prediction(run, model, 60.0)

    fe = abs(fall("fe_lpm"))
    return fe < abs(fall("lpm")) and fe < abs(fall("logit"))


def _lpm_logit_agree(run: _Run) -> bool:
    return all(
        abs(_prediction(run, "lpm", d) - _prediction(run, "logit", d)) <= 0.03 for d in (10, 20)
    )


def _higher_at_start(run: _Run) -> bool:
    share = _monthly("fig02", "share_revolving", "2010-01", "2011-12")(run)
    return share > _monthly("fig02", "share_revolving", "2015-01", "2019-12")(run)


def _rising_from_july_2021(run: _Run) -> bool:
    late = _monthly("fig02", "share_revolving", "2022-07", "2022-12")(run)
    return late > _monthly("fig02", "share_revolving", "2021-04", "2021-06")(run)


def _industry_shares(run: _Run, year: int) -> pd.Series:
    _year_covered(run, year)
    t = _values(run, "fig05", "share_revolving", year=year)
    return t.set_index(t.industry.astype(str)).value.astype(float)


def _fell_every_industry(run: _Run) -> bool:
    before, after = _industry_shares(run, 2019), _industry_shares(run, 2022)
    both = before.index.intersection(after.index)
    if both.empty:
        raise _NotReadable("no industry published in both 2019 and 2022")
    return bool((after[both] < before[both]).all())


def _construction_highest(run: _Run) -> bool:
    shares = _industry_shares(run, 2022)
    if "construction" not in shares.index:
        raise _NotReadable("construction 2022 is not published")
    return bool(shares.idxmax() == "construction")


def _by_size(measure: str) -> Callable[[_Run], tuple[float, float]]:
    def read(run: _Run) -> tuple[float, float]:
        large = _values(run, "fig04", measure, size_class="large").value.astype(float)
        small = _values(run, "fig04", measure, size_class="small").value.astype(float)
        return _agg(large, "mean", "fig04 large"), _agg(small, "mean", "fig04 small")

    return read


def _transactors_twice(run: _Run) -> bool:
    rev = _monthly("fig11", "median_cash_buffer_days", "2010-01", "2019-12", group="revolvers")
    tra = _monthly("fig11", "median_cash_buffer_days", "2010-01", "2019-12", group="transactors")
    return 1.7 <= tra(run) / rev(run) <= 2.5


def _smaller_balances_above_15(run: _Run) -> bool:
    high = _fig12("median_revolving_balance", True, "2010-01", "2022-12")(run)
    return high < _fig12("median_revolving_balance", False, "2010-01", "2022-12")(run)


_READERS: Mapping[str, Callable[[_Run], float | bool]] = MappingProxyType(
    {
        "share_2012_2019": _monthly("fig02", "share_revolving", "2012-01", "2019-12"),
        "share_max_after_march_2020": _monthly(
            "fig02", "share_revolving", "2020-04", "2022-12", how="max"
        ),
        "balance_early_2020": _monthly("fig02", "median_revolving_balance", "2020-01", "2020-03"),
        "balance_2022": _monthly("fig02", "median_revolving_balance", "2022-01", "2022-12"),
        "adb_index_after_may_2020": _monthly("fig03", "median_adb_index", "2020-06", "2022-12"),
        "never_2020": _cell("fig06", "share_of_firms", year=2020, months_revolved="0"),
        "all12_2020": _cell("fig06", "share_of_firms", year=2020, months_revolved="12"),
        "never_2021": _cell("fig06", "share_of_firms", year=2021, months_revolved="0"),
        "never_2022": _cell("fig06", "share_of_firms", year=2022, months_revolved="0"),
        "all12_2021": _cell("fig06", "share_of_firms", year=2021, months_revolved="12"),
        "all12_2022": _cell("fig06", "share_of_firms", year=2022, months_revolved="12"),
        "some_months": _some_months,
        "trans_0_0": _cell("fig07", "share_revolving_0_next_year", months_revolved="0"),
        "trans_6_0": _cell("fig07", "share_revolving_0_next_year", months_revolved="6"),
        "trans_12_0": _cell("fig07", "share_revolving_0_next_year", months_revolved="12"),
        "trans_12_12": _cell("fig07", "share_revolving_12_next_year", months_revolved="12"),
        "trans_11_12": _cell("fig07", "share_revolving_12_next_year", months_revolved="11"),
        "health_care_2022": _cell(
            "fig05", "share_revolving", industry="health care services", year=2022
        ),
        "personal_services_2022": _cell(
            "fig05", "share_revolving", industry="personal services", year=2022
        ),
        "industry_gap_2022": _industry_gap,
        "lpm_10_days": lambda run: _prediction(run, "lpm", 10.0),
        "lpm_20_days": lambda run: _prediction(run, "lpm", 20.0),
        "logit_10_days": lambda run: _prediction(run, "logit", 10.0),
        "logit_20_days": lambda run: _prediction(run, "logit", 20.0),
        "industry_range_lpm": _prediction_range("lpm"),
        "industry_range_logit": _prediction_range("logit"),
        "adb_covers": _monthly("fig10", "share_adb_covers_balance", "1900-01", "2999-12"),
        "covers_keeps_buffer_pre2020": _monthly(
            "fig10", "share_covers_and_keeps_buffer", "1900-01", "2019-12"
        ),
        "revolver_days_pre2020": _monthly(
            "fig11", "median_cash_buffer_days", "2012-01", "2019-12", group="revolvers"
        ),
        "transactor_days_early_2020": _monthly(
            "fig11", "median_cash_buffer_days", "2020-01", "2020-03", group="transactors"
        ),
        "revolver_days_2021": _monthly(
            "fig11", "median_cash_buffer_days", "2021-01", "2021-12", group="revolvers"
        ),
        "transactor_days_2021": _monthly(
            "fig11", "median_cash_buffer_days", "2021-01", "2021-12", group="transactors"
        ),
        "share_above_15_days": _fig12("share_revolving", True, "2017-01", "2019-12"),
        "share_15_days_or_less": _fig12("share_revolving", False, "2020-01", "2020-03"),
        "construction_revenue_2022": _cell(
            "tabA1", "median_annual_revenue", industry="construction"
        ),
        "net_cash_flow_negative": _ncf_negative,
        "all_significant": _all_significant,
        "largest_effects": _largest_effects,
        "fe_flatter": _fe_flatter,
        "lpm_logit_agree": _lpm_logit_agree,
        "higher_at_start": _higher_at_start,
        "rising_from_july_2021": _rising_from_july_2021,
        "fell_every_industry": _fell_every_industry,
        "construction_highest": _construction_highest,
        "larger_revolve_less": lambda run: (
            _by_size("share_revolving")(run)[0] < _by_size("share_revolving")(run)[1]
        ),
        "larger_balances": lambda run: (
            _by_size("median_revolving_balance")(run)[0]
            > _by_size("median_revolving_balance")(run)[1]
        ),
        "transactors_twice": _transactors_twice,
        "smaller_balances_above_15": _smaller_balances_above_15,
    }
)


def _results_dir(run_dir: Path) -> tuple[Path, Path]:
    """(results folder, run folder) from a run folder or its results/ folder."""
    if (run_dir / "results").is_dir():
        return run_dir / "results", run_dir
    if any((run_dir / f"{t}.csv").exists() for t in TABLES):
        return run_dir, run_dir.parent
    raise StageError(
        f"{run_dir}: no result tables found (results/fig02.csv ...). "
        "Hint: run `econscope smallbiz run DATA --out RUN_DIR` (or `smallbiz analyze`) first"
    )


#: The report's money: its amounts are in US dollars at these prices.
REPORT_CURRENCY = "USD"
REPORT_PRICE_YEAR = 2022


def _money_of_run(results: Path) -> tuple[str, int | None]:
    """(currency, price year or None when nominal) the run's results were made with, from
    the results manifest; the report's own when there is no manifest."""
    path = results / "manifest.json"
    try:
        recorded = json.loads(path.read_text()).get("settings", {}) if path.is_file() else {}
    except (OSError, ValueError):
        recorded = {}
    currency = str(recorded.get("money", {}).get("currency", REPORT_CURRENCY))
    prices = recorded.get("prices", {})
    year = prices.get("base_year", REPORT_PRICE_YEAR) if prices.get("deflate", True) else None
    return currency, None if year is None else int(year)


def _not_comparable(target: Any, currency: str, price_year: int | None) -> str:
    """Why a money target cannot be compared with this run ('' when it can): the report's
    amounts (and fig09, evaluated at a money balance) are 2022 US dollars."""
    if not (target.unit == "dollars" or target.figure == "fig09"):
        return ""
    if currency != REPORT_CURRENCY:
        return f"not comparable: other currency (this run: {currency})"
    if price_year != REPORT_PRICE_YEAR:
        prices = "nominal amounts" if price_year is None else f"{price_year} prices"
        return f"not comparable: other prices (this run: {prices})"
    return ""


def compare(run_dir: str | Path) -> pd.DataFrame:
    """Every target of :func:`targets` next to the run's reproduced value.

    ``run_dir`` is a run folder (holding ``results/``) or a results folder itself. Returns
    one row per target with the columns :data:`FIDELITY_COLUMNS`: ``reproduced`` is the
    number read (a finding: 1.0 yes, 0.0 no), ``within`` whether it is within tolerance
    (a finding: whether it holds), null with ``note`` when the tables cannot give it.
    A money target (the report's 2022 US dollars; fig09's predictions, made at a money
    balance) of a run in another currency or at other prices is not compared: ``within``
    null, ``note`` "not comparable: other currency (this run: EUR)" (the run's money
    settings are read from the results manifest).
    """
    results, run = _results_dir(Path(run_dir))
    source = _Run(results, run)
    currency, price_year = _money_of_run(results)
    rows = []
    for t in targets().itertuples(index=False):
        reader = _READERS[t.id]
        note, value, ok = "", math.nan, None
        if reason := _not_comparable(t, currency, price_year):
            rows.append({**t._asdict(), "reproduced": value, "within": ok, "note": reason})
            continue
        try:
            got = reader(source)
        except _NotReadable as exc:
            note = str(exc)
        else:
            if t.kind == "finding":
                value, ok = float(bool(got)), bool(got)
            else:
                value = float(got)
                low = None if _missing(t.low) else float(t.low)
                high = None if _missing(t.high) else float(t.high)
                ok = within(value, low, high, float(t.tolerance), str(t.unit))
        rows.append({**t._asdict(), "reproduced": value, "within": ok, "note": note})
    frame = pd.DataFrame(rows, columns=list(FIDELITY_COLUMNS))
    frame["within"] = frame["within"].astype("boolean")
    return frame


def distance(fidelity: pd.DataFrame, weights: Mapping[str, float] | None = None) -> float:
    """Weighted squared distance of the numbers to their published ranges.

    Each number contributes ``weight x (gap / scale)^2``, where gap is how far it lies
    outside [low, high] (0 inside) and scale its tolerance (relative tolerances taken on
    the bound); a number the tables cannot give adds ``weight x 4``. Findings do not
    enter (they are checked, not fitted). The calibration harness minimises this.

    >>> f = pd.DataFrame({"id": ["a"], "kind": ["number"], "reproduced": [0.39],
    ...     "low": [0.35], "high": [0.36], "tolerance": [0.03], "unit": ["share"]})
    >>> round(distance(f), 6)  # (0.39 - 0.36) / 0.03 = 1 -> 1
    1.0
    """
    total = 0.0
    for t in fidelity[fidelity.kind == "number"].itertuples(index=False):
        w = 1.0 if weights is None else float(weights.get(t.id, 1.0))
        if _missing(t.reproduced):
            total += w * 4.0
            continue
        low = -math.inf if _missing(t.low) else float(t.low)
        high = math.inf if _missing(t.high) else float(t.high)
        bound = high if t.reproduced > high else low
        scale = float(t.tolerance) * (abs(bound) if t.unit in _RELATIVE_UNITS else 1.0)
        gap = max(low - t.reproduced, t.reproduced - high, 0.0)
        total += w * (gap / max(scale, 1e-9)) ** 2
    return total


def write_fidelity(run_dir: str | Path) -> tuple[Path, pd.DataFrame]:
    """Compare the run with the report and write ``results/fidelity.csv`` (atomically)."""
    frame = compare(run_dir)
    results, _ = _results_dir(Path(run_dir))
    path = results / FIDELITY_FILE
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, float_format="%.6g")
    return path, frame
