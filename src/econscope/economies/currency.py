"""Currency conversion through an exchange-rate table with an explicit basis.

A rate says how many units of ``quote`` one unit of ``base`` buys, on a ``basis``:
``period_average`` (the mean rate over a period, right for flows such as GDP or exports),
``end_of_period`` (the rate on the period's last day, right for stocks such as reserves)
or ``at_date`` (the rate on one day, as a press release uses). Every converted figure
carries its rate, basis and source, and prints them: two conversions of the same figure
on different bases never pass for one.

>>> rates = ExchangeRates([
...     Rate("USD", "CNY", "period_average", "2021", 6.4515, "WDI PA.NUS.FCRF"),
...     Rate("USD", "CNY", "at_date", "2022-04-29", 6.5970, "illustrative"),
... ])
>>> c = rates.convert(27409e8, "CNY", "USD", basis="period_average", period="2021")
>>> print(c)
US$424.85 bn (RMB 2.7409 tn at 6.4515 CNY per USD, period average 2021; source: WDI PA.NUS.FCRF)
>>> round(rates.convert(1, "CNY", "USD", basis="at_date", date="2022-04-29").value, 4)
0.1516
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from econscope.economies.periods import parse_period
from econscope.economies.units import format_quantity, is_currency
from econscope.errors import DataError

__all__ = ["BASES", "Basis", "Converted", "ExchangeRates", "Rate", "implied_rate"]

Basis = Literal["period_average", "end_of_period", "at_date"]
BASES: tuple[Basis, ...] = get_args(Basis)
_BASIS_TEXT = {
    "period_average": "period average",
    "end_of_period": "end of period",
    "at_date": "rate at",
}


@dataclass(frozen=True)
class Rate:
    """One unit of ``base`` buys ``rate`` units of ``quote`` on ``basis`` for ``when``
    (a period label such as ``2021`` / ``2022Q1`` for the period bases, a date
    ``YYYY-MM-DD`` for ``at_date``)."""

    base: str
    quote: str
    basis: Basis
    when: str
    rate: float
    source: str = ""

    def __post_init__(self) -> None:
        if self.basis not in BASES:
            raise DataError(f"unknown rate basis {self.basis!r}", hint=f"use one of {BASES}")
        if not self.rate > 0:
            raise DataError(f"rate {self.base}/{self.quote} {self.when} must be positive")
        object.__setattr__(self, "when", _when(self.basis, self.when))


def _when(basis: Basis, when: str | dt.date | None) -> str:
    if when is None:
        need = "date=" if basis == "at_date" else "period="
        raise DataError(f"basis {basis!r} needs {need}", hint=f"pass {need}...")
    if basis == "at_date":
        return dt.date.fromisoformat(str(when)).isoformat()
    return parse_period(str(when)).label


@dataclass(frozen=True)
class Converted:
    """A converted figure with everything needed to print how it was converted."""

    value: float
    currency: str
    original_value: float
    original_currency: str
    rate: float
    basis: Basis
    when: str
    source: str

    def describe(self) -> str:
        """``at 6.4515 CNY per USD, period average 2021; source: ...``."""
        if self.original_currency == self.currency:
            return "no conversion (same currency)"
        per_usd_style = self.rate >= 1
        if per_usd_style:
            text = f"at {self.rate:.5g} {self.original_currency} per {self.currency}"
        else:
            text = f"at {1 / self.rate:.5g} {self.currency} per {self.original_currency}"
        text += f", {_BASIS_TEXT[self.basis]} {self.when}"
        return text + (f"; source: {self.source}" if self.source else "")

    def __str__(self) -> str:
        return (
            f"{format_quantity(self.value, self.currency)} "
            f"({format_quantity(self.original_value, self.original_currency)} {self.describe()})"
        )


class ExchangeRates:
    """An immutable table of exchange rates; conversions go direct, inverse, or through USD.

    The rate used for ``A -> B`` is ``quote per base`` inverted as needed, so
    ``convert(x, A, B).value == x / rate`` when the table holds ``B -> A`` (``rate`` A per B).
    """

    def __init__(self, rates: Iterable[Rate]) -> None:
        self._rates: dict[tuple[str, str, str, str], Rate] = {}
        for r in rates:
            key = (r.base, r.quote, r.basis, r.when)
            if key in self._rates and self._rates[key].rate != r.rate:
                raise DataError(
                    f"two rates for {r.base}/{r.quote} {r.basis} {r.when}",
                    hint="keep one rate per pair, basis and period or date",
                )
            self._rates[key] = r

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, object]]) -> ExchangeRates:
        """From mappings with base, quote, basis, when (or period / date), rate, [source]."""
        out = []
        for rec in records:
            when = rec.get("when") or rec.get("period") or rec.get("date")
            out.append(
                Rate(
                    str(rec["base"]),
                    str(rec["quote"]),
                    str(rec["basis"]),  # type: ignore[arg-type]
                    str(when),
                    float(rec["rate"]),  # type: ignore[arg-type]
                    str(rec.get("source") or ""),
                )
            )
        return cls(out)

    @classmethod
    def from_csv(cls, path: str | Path) -> ExchangeRates:
        """From a CSV with columns base, quote, basis, when, rate, source."""
        with Path(path).open(encoding="utf-8-sig", newline="") as fh:
            return cls.from_records(csv.DictReader(fh))

    def __len__(self) -> int:
        return len(self._rates)

    def rate(
        self,
        from_currency: str,
        to_currency: str,
        *,
        basis: Basis,
        period: str | None = None,
        date: str | dt.date | None = None,
    ) -> tuple[float, str]:
        """Units of ``to_currency`` per unit of ``from_currency``, and the source(s)."""
        when = _when(basis, date if basis == "at_date" else period)
        if from_currency == to_currency:
            return 1.0, ""
        found = self._direct(from_currency, to_currency, basis, when)
        if found is not None:
            return found
        a = self._direct(from_currency, "USD", basis, when)
        b = self._direct("USD", to_currency, basis, when)
        if a is not None and b is not None:
            sources = "; ".join(dict.fromkeys(s for s in (a[1], b[1]) if s))
            return a[0] * b[0], sources
        raise DataError(
            f"no {basis} rate {from_currency}->{to_currency} for {when}",
            hint=f"add a rate ({from_currency} or {to_currency} against USD) with basis "
            f"{basis!r} and when={when!r} to the exchange-rate table",
        )

    def _direct(self, a: str, b: str, basis: str, when: str) -> tuple[float, str] | None:
        if (r := self._rates.get((a, b, basis, when))) is not None:
            return r.rate, r.source
        if (r := self._rates.get((b, a, basis, when))) is not None:
            return 1 / r.rate, r.source
        return None

    def convert(
        self,
        value: float,
        from_currency: str,
        to_currency: str,
        *,
        basis: Basis,
        period: str | None = None,
        date: str | dt.date | None = None,
    ) -> Converted:
        """Convert ``value``; the result prints its rate, basis, period or date and source."""
        factor, source = self.rate(
            from_currency, to_currency, basis=basis, period=period, date=date
        )
        when = _when(basis, date if basis == "at_date" else period)
        # The printed rate is the one the reader expects: local currency per the other.
        shown = 1 / factor
        return Converted(
            value * factor, to_currency, value, from_currency, shown, basis, when, source
        )

    def convert_table(self, table: ir.Table, to: str, *, basis: Basis) -> ir.Table:
        """Convert the money rows of an observations table to ``to`` in the engine.

        Rows are matched to rates on (unit, period) for the period bases; the result has
        the observation columns plus ``conversion``, the printed basis of every converted
        row (null where nothing was converted). Raises DataError naming the first
        currency and period with no rate.
        """
        if basis == "at_date":
            raise DataError(
                "an observations table converts on a period basis",
                hint="use basis='period_average' or 'end_of_period'; convert single "
                "figures at a date with ExchangeRates.convert",
            )
        wanted = (
            table.filter(table.unit != to)
            .select("unit", "period")
            .distinct()
            .to_pyarrow()
            .to_pylist()
        )
        rows = []
        missing = []
        for item in wanted:
            unit, period = item["unit"], item["period"]
            if not is_currency(unit):
                continue
            try:
                c = self.convert(1.0, unit, to, basis=basis, period=period)
            except DataError:
                missing.append(f"{unit} {period}")
                continue
            rows.append((unit, period, c.value, c.describe()))
        if missing:
            raise DataError(
                f"no {basis} rate to {to} for {', '.join(sorted(missing)[:5])}",
                hint="add those rates to the exchange-rate table",
            )
        factors = ibis.memtable(
            pa.table(
                {
                    "fx_unit": pa.array([r[0] for r in rows], pa.string()),
                    "fx_period": pa.array([r[1] for r in rows], pa.string()),
                    "fx_factor": pa.array([r[2] for r in rows], pa.float64()),
                    "fx_text": pa.array([r[3] for r in rows], pa.string()),
                }
            )
        )
        joined = table.left_join(
            factors, (table.unit == factors.fx_unit) & (table.period == factors.fx_period)
        )
        hit = joined.fx_factor.notnull()
        return joined.select(
            *[c for c in table.columns if c not in {"value", "unit"}],
            value=ibis.ifelse(hit, joined.value * joined.fx_factor, joined.value),
            unit=ibis.ifelse(hit, ibis.literal(to), joined.unit),
            conversion=ibis.ifelse(hit, joined.fx_text, ibis.null(str)),
        ).select(*table.columns, "conversion")

    def to_arrow(self) -> pa.Table:
        """The table as Arrow: base, quote, basis, when, rate, source."""
        rates = list(self._rates.values())
        return pa.table(
            {
                "base": [r.base for r in rates],
                "quote": [r.quote for r in rates],
                "basis": [r.basis for r in rates],
                "when": [r.when for r in rates],
                "rate": pa.array([r.rate for r in rates], pa.float64()),
                "source": [r.source for r in rates],
            }
        )


def implied_rate(value_in_a: float, value_in_b: float) -> float:
    """Units of currency B per unit of A implied by one figure printed in both.

    Vietnam's Q1 2022 exports printed as US$88.58 bn and as RMB 592.1 bn imply 6.684
    CNY per USD; printed as US$89.1 bn and RMB 584.2 bn, 6.557: two versions.

    >>> round(implied_rate(88.58e9, 5921e8), 4), round(implied_rate(89.1e9, 5842e8), 4)
    (6.6844, 6.5567)
    """
    if value_in_a == 0 or value_in_b == 0:
        raise DataError("an implied rate needs two non-zero values")
    return value_in_b / value_in_a
