"""Deflation of money to constant prices (DESIGN.md, method step 6).

Money is in ``settings.money.currency``. A value dated in year y is multiplied by
index(base_year) / index(y), with the annual index of ``settings.prices.cpi_annual``
(CPI-U by default; any annual index, named by ``settings.prices.index``). When
``settings.prices.cpi_monthly_file`` is set (a CSV with columns year, month, cpi),
values are deflated by the index of their month instead, and the base is the mean
of the base year's twelve months in that file.

>>> from econscope.config import Settings
>>> f = deflators(Settings())
>>> round(float(f.loc[f.year == 2020, "factor"].iloc[0]), 6)  # 292.655 / 258.811
1.130767
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from econscope.config import Settings
from econscope.errors import ConfigError, DataError

__all__ = ["deflate", "deflators", "missing_cpi_months", "missing_cpi_years", "monthly_cpi"]


def monthly_cpi(path: str | Path) -> pd.DataFrame:
    """Read a user's monthly CPI file (columns year, month, cpi), checked."""
    path = Path(path)
    try:
        df = pd.read_csv(path)
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: prices.cpi_monthly_file not found. Hint: check the path"
        ) from None
    missing = {"year", "month", "cpi"} - set(df.columns)
    if missing:
        raise DataError(
            f"monthly CPI file lacks columns {sorted(missing)}",
            file=str(path),
            hint="give columns year, month, cpi",
        )
    df = df[["year", "month", "cpi"]].astype({"year": "int64", "month": "int64"})
    df["cpi"] = pd.to_numeric(df["cpi"], errors="coerce").astype("float64")
    bad = df[~(df["cpi"] > 0) | ~df["month"].between(1, 12)]
    if len(bad):
        raise DataError(
            f"monthly CPI has {len(bad)} rows with a non-positive cpi or a month outside 1-12",
            file=str(path),
            column="cpi",
            hint="fix those rows",
        )
    if df.duplicated(["year", "month"]).any():
        raise DataError(
            "monthly CPI repeats a year and month", file=str(path), hint="keep one row each"
        )
    return df


def deflators(settings: Settings, *, monthly: bool | None = None) -> pd.DataFrame:
    """Factors to base-year dollars: columns year, factor (annual) or year, month, factor.

    ``monthly=None`` follows the settings (monthly when a monthly file is set);
    ``monthly=False`` with a monthly file gives annual factors from the file's annual means.
    """
    prices = settings.prices
    if prices.cpi_monthly_file is not None:
        df = monthly_cpi(prices.cpi_monthly_file)
        base_rows = df[df.year == prices.base_year]
        if len(base_rows) != 12:
            raise DataError(
                f"monthly CPI has {len(base_rows)} months of the base year {prices.base_year}",
                file=str(prices.cpi_monthly_file),
                hint="give all twelve months of prices.base_year, or change the base year",
            )
        base = float(base_rows.cpi.mean())
        if monthly is None or monthly:
            return df.assign(factor=base / df.cpi)[["year", "month", "factor"]]
        annual = df.groupby("year", as_index=False).cpi.mean()
        return annual.assign(factor=base / annual.cpi)[["year", "factor"]]
    table = prices.cpi_annual
    if prices.base_year not in table:
        raise ConfigError(
            f"prices.base_year {prices.base_year} has no CPI in prices.cpi_annual. "
            "Hint: add that year's CPI or choose another base year"
        )
    base = table[prices.base_year]
    years = sorted(table)
    return pd.DataFrame({"year": years, "factor": [base / table[y] for y in years]}).astype(
        {"year": "int64", "factor": "float64"}
    )


def missing_cpi_years(settings: Settings, years: Iterable[int]) -> list[int]:
    """The years among ``years`` that the price index does not cover (none without deflation)."""
    if not settings.prices.deflate:
        return []
    f = deflators(settings, monthly=False)
    have = set(f.year.tolist())
    return sorted({int(y) for y in years} - have)


def missing_cpi_months(settings: Settings, months: Iterable[tuple[int, int]]) -> list[str]:
    """The (year, month) pairs, as ``YYYY-MM``, that a monthly CPI file does not cover.

    Empty when no monthly file is set (the annual table is checked by
    :func:`missing_cpi_years`). A year present with only some months would otherwise pass
    the annual check and leave null real values for the other months.
    """
    if settings.prices.cpi_monthly_file is None or not settings.prices.deflate:
        return []
    f = deflators(settings, monthly=True)
    have = set(zip(f.year.astype(int), f.month.astype(int), strict=True))
    wanted = {(int(y), int(m)) for y, m in months}
    return [f"{y:04d}-{m:02d}" for y, m in sorted(wanted - have)]


def deflate(
    table: ir.Table,
    columns: Iterable[str],
    settings: Settings,
    *,
    year: str = "year",
    month: str | None = "month",
) -> ir.Table:
    """Add ``<column>_real`` (base-year dollars) for each money column of ``table``.

    Joins the deflator of the row's ``year`` (and ``month`` when a monthly CPI file is set
    and ``month`` is given); years the index does not cover give null real values. With
    ``settings.prices.deflate = False`` the real columns are the nominal values.
    """
    columns = list(columns)
    if not settings.prices.deflate:
        return table.mutate(**{f"{c}_real": table[c].cast("float64") for c in columns})
    use_month = settings.prices.cpi_monthly_file is not None and month is not None
    f = deflators(settings, monthly=use_month)
    factors = ibis.memtable(pa.Table.from_pandas(f, preserve_index=False)).rename(
        {"_y": "year"} | ({"_m": "month"} if use_month else {})
    )
    preds = [table[year] == factors._y]
    if use_month:
        preds.append(table[month] == factors._m)
    j = table.left_join(factors, preds)
    return j.select(*table.columns, **{f"{c}_real": j[c] * j.factor for c in columns})
