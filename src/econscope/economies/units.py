"""Units, scale words and quantities as printed, in English, Chinese and machine translation.

Values in econscope are held in base units (``USD``, ``CNY``, ``persons``, ``km2``,
``percent``, ``ratio``); scales live only in text. :func:`parse_quantity` reads a printed
phrase into every reading it can mean. A machine translation of Chinese mangles scales:
万 (1e4) comes out as "ten thousand" or "10,000", 亿 (1e8) as "One hundred million" or
as "Billion", 万亿 (1e12) as "100 million" when the 万 is dropped. The same phrase can
therefore mean two magnitudes; :meth:`ParsedQuantity.resolve` checks each reading
against the entity's known size (:func:`check_plausibility`) and keeps the one that fits,
flagging a likely misread magnitude.

>>> q = parse_quantity("9800 ten thousand")
>>> q.value, q.unit
(98000000.0, '')
>>> q = parse_quantity("1763.5 Billion dollars")
>>> [r.value for r in q.readings]
[1763500000000.0, 176350000000.0]
>>> q.resolve(entity="VNM", measure="trade", period="2022Q1").chosen.value
176350000000.0
>>> parse_quantity("5921 One hundred million yuan").readings[0].value
592100000000.0
>>> parse_quantity("1763.5亿美元").value, parse_quantity("114万亿元").unit
(176350000000.0, 'CNY')
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from econscope.economies.countries import currency_home, entity_size
from econscope.economies.periods import parse_period
from econscope.errors import DataError, EconscopeWarning


class RateSource(Protocol):
    """What this module asks of :class:`econscope.economies.currency.ExchangeRates`
    (a protocol: currency builds on units, so units names no class of it)."""

    def convert(self, value: float, from_currency: str, to_currency: str, **kw: Any) -> Any: ...


__all__ = [
    "MEASURE_BOUNDS",
    "Family",
    "Measure",
    "ParsedQuantity",
    "Plausibility",
    "Qualifier",
    "QuantityCheck",
    "Reading",
    "check_plausibility",
    "format_quantity",
    "half_unit",
    "is_currency",
    "parse_quantity",
    "unit_family",
]

Family = Literal["money", "persons", "area", "percent", "ratio", "count", "compound", "other"]

Measure = Literal[
    "population", "gdp", "trade", "exports", "imports", "trade_balance", "revenue", "fdi"
]

#: Plausible range of a figure relative to the entity's size: population for
#: ``population``, GDP per year of the period for the others (a quarter is 1/4 year).
#: Wide on purpose: they catch a factor-of-10 or -10,000 misread, not a revision.
MEASURE_BOUNDS: dict[str, tuple[float, float]] = {
    "population": (0.5, 2.0),
    "gdp": (0.3, 3.0),
    "trade": (0.005, 4.0),
    "exports": (0.002, 2.5),
    "imports": (0.002, 2.5),
    "trade_balance": (0.0, 1.0),
    "revenue": (0.0, 1.0),
    "fdi": (0.0, 0.5),
}

_NON_CURRENCY = {"persons", "percent", "ratio", "km2", "count", "index", "years", "kg", "tonnes"}


def is_currency(unit: str) -> bool:
    """Whether ``unit`` is an ISO 4217 currency code (three upper-case letters)."""
    return len(unit) == 3 and unit.isalpha() and unit.isupper() and unit not in _NON_CURRENCY


def unit_family(unit: str) -> Family:
    """The family a unit belongs to; arithmetic adds only within a family.

    >>> unit_family("USD"), unit_family("persons"), unit_family("USD/persons")
    ('money', 'persons', 'compound')
    """
    if "/" in unit or "*" in unit:
        return "compound"
    if is_currency(unit):
        return "money"
    return {
        "persons": "persons",
        "km2": "area",
        "percent": "percent",
        "ratio": "ratio",
        "count": "count",
    }.get(unit, "other")


# Currencies, most specific first ("美元" before "元", "Hong Kong dollar" before "dollar").
_CURRENCIES: tuple[tuple[str, str], ...] = (
    (r"(?<![a-z])hk\s*\$|hkd|hong\s*kong\s+dollars?|港元|港币", "HKD"),
    (r"(?<![a-z])s\s*\$|sgd|singapore\s+dollars?|新加坡元", "SGD"),
    (r"(?<![a-z])nt\s*\$|twd|new\s+taiwan\s+dollars?|新台币", "TWD"),
    (r"us\s*\$|\busd\b|u\.s\.\s+dollars?|dollars?|美元|美金|\$", "USD"),
    (r"\brmb\b|renminbi|\byuan\b|\bcny\b|人民币|元", "CNY"),
    (r"\bvnd\b|\bdong\b|越南盾", "VND"),
    (r"\bjpy\b|\byen\b|日元", "JPY"),
    (r"\bkrw\b|\bwon\b|韩元", "KRW"),
    (r"\beur\b|euros?\b|欧元|€", "EUR"),
)
_PHYSICAL: tuple[tuple[str, str], ...] = (
    (r"square\s+kilomet(?:er|re)s?|km2|km²|sq\.?\s*km|平方公里|平方千米", "km2"),
    (r"%|percent|per\s+cent", "percent"),
    (r"\bpeople\b|\bpersons?\b|\binhabitants\b|\bresidents\b|人", "persons"),
)
_Options = tuple[tuple[float, str], ...]
# Scale words after the number, most specific first; several options = an ambiguous phrase.
_SCALES: tuple[tuple[str, _Options], ...] = (
    (r"万亿|兆", ((1e12, "万亿 = 1e12"),)),
    (
        r"(?:one\s+)?hundred\s+million|100\s+million",
        (
            (1e8, "'hundred million' = 亿 = 1e8"),
            (1e12, "machine translation of 万亿 with 万 dropped = 1e12"),
        ),
    ),
    (r"亿", ((1e8, "亿 = 1e8"),)),
    (r"ten\s+thousand|10,000|10\s000|万", ((1e4, "'ten thousand' = 万 = 1e4"),)),
    (r"trillions?|\btn\b", ((1e12, "trillion = 1e12"),)),
    (r"\bbn\b|\bbln\b", ((1e9, "bn = 1e9"),)),
    (
        r"billions?",
        (
            (1e9, "English billion = 1e9"),
            (1e8, "machine translation of 亿 as 'billion' = 1e8"),
        ),
    ),
    (r"millions?|\bmn\b|\bmln\b|百万", ((1e6, "million = 1e6"),)),
    (r"thousands?|千|\bk\b", ((1e3, "thousand = 1e3"),)),
)
_NUMBER = re.compile(r"[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")


@dataclass(frozen=True)
class Reading:
    """One meaning of a printed quantity: the value in base units, unit, scale and why."""

    value: float
    unit: str
    scale: float
    note: str


@dataclass(frozen=True)
class Plausibility:
    """A figure set against the entity's known size.

    ``status`` is ``plausible``, ``implausible`` (a likely misread magnitude) or
    ``unchecked`` (no known size, or no rate to compare currencies); ``ratio`` is the
    figure over the reference (population, or GDP per year times the period's years).
    """

    status: Literal["plausible", "implausible", "unchecked"]
    ratio: float | None
    low: float
    high: float
    reason: str


@dataclass(frozen=True)
class QuantityCheck:
    """Every reading of a phrase with its plausibility, and the one kept.

    ``status``: ``resolved`` (one plausible reading, ``chosen``), ``ambiguous`` (several
    plausible: the caller must say which), ``implausible`` (none fits: likely misread),
    ``unchecked`` (no size known; ``chosen`` is the literal reading).
    """

    raw: str
    checks: tuple[tuple[Reading, Plausibility], ...]
    chosen: Reading | None
    status: Literal["resolved", "ambiguous", "implausible", "unchecked"]

    @property
    def flag(self) -> str:
        """A one-line warning when a reading was rejected as a misread magnitude, else ''."""
        bad = [r for r, p in self.checks if p.status == "implausible"]
        if not bad:
            return ""
        if self.chosen is None:
            return f"{self.raw!r}: no reading fits the entity's size ({self.checks[0][1].reason})"
        rejected = "; ".join(f"{r.value:.4g} ({r.note})" for r in bad)
        return (
            f"{self.raw!r}: kept {self.chosen.value:.4g} ({self.chosen.note}); rejected {rejected}"
        )


@dataclass(frozen=True)
class ParsedQuantity:
    """A printed quantity and all its readings (the literal English one first)."""

    raw: str
    number: float
    unit: str
    readings: tuple[Reading, ...]
    qualifier: Qualifier = ""
    exact: bool = False

    @property
    def ambiguous(self) -> bool:
        """Whether the phrase has more than one reading."""
        return len(self.readings) > 1

    @property
    def value(self) -> float:
        """The value in base units; raises when the phrase is ambiguous."""
        if self.ambiguous:
            options = ", ".join(f"{r.value:.6g} ({r.note})" for r in self.readings)
            raise DataError(
                f"{self.raw!r} is ambiguous: {options}",
                hint="call .resolve(entity=..., measure=..., period=...) or pick a reading",
            )
        return self.readings[0].value

    def matching(
        self, value: float, unit: str | None = None, rel_tol: float = 1e-6
    ) -> Reading | None:
        """The reading equal to ``value`` (and ``unit`` when given), or None."""
        for r in self.readings:
            if unit is not None and self.unit and r.unit != unit:
                continue
            if math.isclose(r.value, value, rel_tol=rel_tol, abs_tol=0.0):
                return r
        return None

    def resolve(
        self,
        *,
        entity: str,
        measure: Measure,
        period: str = "2021",
        rates: RateSource | None = None,
    ) -> QuantityCheck:
        """Check each reading against ``entity``'s size and keep the plausible one."""
        checks = tuple(
            (
                r,
                check_plausibility(
                    r.value, r.unit, entity=entity, measure=measure, period=period, rates=rates
                ),
            )
            for r in self.readings
        )
        good = [r for r, p in checks if p.status == "plausible"]
        if all(p.status == "unchecked" for _, p in checks):
            chosen = self.readings[0] if not self.ambiguous else None
            return QuantityCheck(self.raw, checks, chosen, "unchecked")
        if len(good) == 1:
            return QuantityCheck(self.raw, checks, good[0], "resolved")
        if len(good) > 1:
            return QuantityCheck(self.raw, checks, None, "ambiguous")
        return QuantityCheck(self.raw, checks, None, "implausible")


def _first(patterns: tuple[tuple[str, str], ...], text: str) -> str:
    for pattern, unit in patterns:
        if re.search(pattern, text):
            return unit
    return ""


Qualifier = Literal["", "about", "at least", "at most"]

# Qualifiers, checked on the phrase without its number: "about" widens the tolerance of
# a figure both ways (documented as StudyConfig.qualifier_tolerance), "at least" and
# "at most" make it a bound.
_QUALIFIERS: tuple[tuple[str, Qualifier], ...] = (
    (
        r"\b(?:about|around|approximately|roughly|nearly|almost|close(?:st)?(?:\s+to)?|near)\b"
        r"|约|大约|近|将近|左右",
        "about",
    ),
    (
        r"\b(?:more\s+than|over|super|above|exceed(?:s|ed)?|at\s+least|breakthrough|"
        r"surpass(?:es|ed)?)\b|超过|超|逾|以上|突破|多",
        "at least",
    ),
    (r"\b(?:less\s+than|under|below|at\s+most|fewer\s+than)\b|不到|不足|以下", "at most"),
)
# Words that make a printed magnitude negative (a change down, a deficit).
_NEGATIVE = re.compile(
    r"\b(?:fall(?:ing|s)?|fell|down|decline[sd]?|declining|decrease[sd]?|decreasing|"
    r"drop(?:ped|s)?|deficit|negative|shr[a-u]nk|contract(?:ed|ion))\b|下降|下跌|减少|逆差|回落|负"
)
_EN_NUMBERS = {
    w: float(i)
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
_EN_NUMBERS.update(
    {
        "a dozen": 12.0,
        "dozen": 12.0,
        "half": 0.5,
        "a third": 1 / 3,
        "a quarter": 0.25,
        "a fifth": 0.2,
        "a decade": 10.0,
        "decade": 10.0,
    }
)
_ZH_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
_ZH_NUMBER = re.compile(r"[零〇一二两三四五六七八九十百千]+")
# Multiples read as a change: "doubled" = x2 = +100%.
_MULTIPLES: tuple[tuple[str, float], ...] = (
    (r"\bdoubled?\b|\btwice\b|翻一番|翻番|翻倍", 2.0),
    (r"\btripled?\b|\bthrice\b|翻两番", 3.0),
)
_FRACTION = re.compile(r"(\d+)\s*/\s*(\d+)(?!\s*/)")
_YEAR = re.compile(r"^(?:19|20)\d\d$")


def _zh_number(text: str) -> float:
    """A Chinese numeral below 10,000 (两, 十二, 三百零五)."""
    total, digit = 0, 0
    for ch in text:
        if ch in _ZH_DIGITS:
            digit = _ZH_DIGITS[ch]
        else:
            total += (digit or 1) * _ZH_UNITS[ch]
            digit = 0
    return float(total + digit)


def half_unit(value: float, raw: str) -> float:
    """Half a unit of the last digit printed in ``raw``, in the units of ``value``.

    The printed number may be scaled ("1223.6 Billion dollars" for 122.36e9): the scale
    is value / printed number. Fractions ("1/3"), number words ("two") and text without
    a digit count as exact (0).

    >>> half_unit(122.36e9, "1223.6 Billion dollars") / 1e9
    0.005
    >>> half_unit(74.0, "74%"), half_unit(33.3, "1/3"), half_unit(102.0, "a 2020 growth 102%")
    (0.5, 0.0, 0.5)
    """
    if _FRACTION.search(raw):
        return 0.0
    match = _pick_number(raw)
    if match is None:
        return 0.0
    printed = float(match.group(0).replace(",", "").replace("−", "-"))
    decimals = len(match.group(0).partition(".")[2])
    # a printed zero has no scale to read: its digits are taken in the value's units
    scale = abs(value / printed) if printed != 0 else 1.0
    return 0.5 * 10.0**-decimals * scale


def _pick_number(text: str) -> re.Match[str] | None:
    """The quantity's number: the first, unless it is a year followed by another number
    ("a 2020 Annual growth 102%" is 102%)."""
    found = list(_NUMBER.finditer(text))
    if len(found) > 1 and _YEAR.match(found[0].group(0)):
        return found[1]
    return found[0] if found else None


def parse_quantity(raw: str) -> ParsedQuantity:
    """Read one printed quantity phrase ("1763.5 Billion dollars", "9734 ten thousand
    people", "US$176.35 bn", "5921亿元", "12.9%", "falling 2.6%", "1/3", "two",
    "almost doubled") into its readings in base units.

    The phrase holds one number (digits, a fraction, or a number word in English or
    Chinese; a year before another number is skipped); a scale word after it (English,
    Chinese, or a machine translation's rendering of 万 / 亿 / 万亿) multiplies it; a
    currency or physical unit anywhere in it sets the unit ("" when none); a sign word
    ("falling", "deficit", 下降) makes it negative; a qualifier ("about", "more than",
    "almost") is returned in ``qualifier``. Raises DataError when there is no number.

    >>> parse_quantity("32.9 10,000 square kilometers").readings[0]
    Reading(value=329000.0, unit='km2', scale=10000.0, note="'ten thousand' = 万 = 1e4")
    >>> [r.value for r in parse_quantity("74.36 RMB 100 million").readings]
    [7436000000.0, 74360000000000.0]
    >>> parse_quantity("US$176.35 bn").value
    176350000000.0
    >>> parse_quantity("falling 2.6%").value, parse_quantity("trade deficit 92 Billion").number
    (-2.6, -92.0)
    >>> [round(r.value, 4) for r in parse_quantity("1/3").readings]
    [0.3333, 33.3333]
    >>> q = parse_quantity("almost doubled")
    >>> [r.value for r in q.readings], q.qualifier
    ([2.0, 100.0], 'about')
    >>> parse_quantity("two").value, parse_quantity("两").value
    (2.0, 2.0)
    """
    text = raw.strip()
    low = text.lower()
    sign = -1.0 if _NEGATIVE.search(low) else 1.0
    m = _pick_number(text)
    exact = False
    multiple = next((f for pattern, f in _MULTIPLES if re.search(pattern, low)), None)
    fraction = _FRACTION.search(text)
    rest = low
    if fraction is not None:
        number = float(fraction.group(1)) / float(fraction.group(2))
        rest = low[fraction.end() :]
        exact = True
    elif m is not None:
        number = float(m.group(0).replace(",", "").replace("−", "-"))
        rest = low[m.end() :]
    elif multiple is not None:
        number, exact = multiple, True
    else:
        word = next(
            (w for w in sorted(_EN_NUMBERS, key=len, reverse=True) if re.search(rf"\b{w}\b", low)),
            None,
        )
        zh = _ZH_NUMBER.search(text)
        if word is not None:
            number, exact = _EN_NUMBERS[word], True
        elif zh is not None:
            number, exact = _zh_number(zh.group(0)), True
            rest = low[zh.end() :]
        else:
            raise DataError(f"no number in {raw!r}", hint="give a phrase such as '1763.5 亿美元'")
    number = sign * abs(number) if sign < 0 else number
    words = _NUMBER.sub(" ", low)
    qualifier = next((q for pattern, q in _QUALIFIERS if re.search(pattern, words)), "")
    unit = _first(_CURRENCIES, low) or _first(_PHYSICAL, rest) or _first(_PHYSICAL, low)
    if fraction is not None and fraction.group(0) in text:
        readings = (
            Reading(number, unit, 1.0, "fraction"),
            Reading(100.0 * number, "percent", 100.0, "fraction as percent"),
        )
        return ParsedQuantity(raw, number, "", readings, qualifier, exact)
    if multiple is not None and m is None:
        readings = (
            Reading(number, "ratio", 1.0, f"x{number:g}"),
            Reading(
                100.0 * (number - 1), "percent", 100.0, f"x{number:g} = +{100 * (number - 1):g}%"
            ),
        )
        return ParsedQuantity(raw, number, "", readings, qualifier, exact)
    # scale words are looked for once the unit phrases are removed: 千 in 平方千米 (km²)
    # is part of the unit, not "thousand"
    scale_text = rest
    for pattern, _ in _PHYSICAL:
        scale_text = re.sub(pattern, " ", scale_text)
    options: _Options = ((1.0, "as printed"),)
    for pattern, opts in _SCALES:
        if re.search(pattern, scale_text):
            options = opts
            break
    readings = tuple(Reading(number * f, unit, f, note) for f, note in options)
    return ParsedQuantity(raw, number, unit, readings, qualifier, exact)


def _to_usd(
    value: float, unit: str, period: str, rates: RateSource | None
) -> tuple[float | None, str]:
    """``value`` in US$: through the caller's rates (:meth:`ExchangeRates.convert`, the
    one conversion) when given; when they lack the rate, or none are given, at the
    currency's shipped 2021 rate (``data/entity_sizes.csv``), and a fallback from the
    caller's rates warns (:class:`~econscope.errors.EconscopeWarning`) naming it."""
    if unit == "USD":
        return value, ""
    failed = ""
    if rates is not None:
        try:
            conv = rates.convert(value, unit, "USD", basis="period_average", period=period)
        except DataError as exc:
            failed = str(exc).split(". Hint")[0]
        else:
            return conv.value, conv.describe()
    home = currency_home(unit)
    size = entity_size(home) if home else None
    if size is None or not size.lcu_per_usd:
        return None, f"no rate from {unit} to USD"
    when = str(size.year)
    if rates is not None:
        warnings.warn(
            EconscopeWarning(
                f"{failed}: fell back to the shipped {when} rate of {size.lcu_per_usd:g} "
                f"{unit} per USD. Hint: add the {unit}/USD rate for {period} to your rates"
            ),
            stacklevel=3,
        )
    return value / size.lcu_per_usd, f"{unit} at {size.lcu_per_usd:g} per USD ({when})"


def check_plausibility(
    value: float,
    unit: str,
    *,
    entity: str,
    measure: Measure,
    period: str = "2021",
    rates: RateSource | None = None,
    bounds: tuple[float, float] | None = None,
) -> Plausibility:
    """Set ``value`` against ``entity``'s known size (shipped 2021 GDP and population).

    Ratio = value / population for ``population``; value in US$ / (GDP x years of the
    period) for money measures. Outside ``bounds`` (default :data:`MEASURE_BOUNDS`)
    the figure is ``implausible``: a likely misread magnitude.

    >>> check_plausibility(1763.5e9, "USD", entity="VNM", measure="trade", period="2022Q1").status
    'implausible'
    >>> check_plausibility(9.8e7, "persons", entity="Viet Nam", measure="population").status
    'plausible'
    """
    low, high = bounds or MEASURE_BOUNDS[measure]
    size = entity_size(entity)
    if size is None:
        return Plausibility("unchecked", None, low, high, f"no known size for {entity!r}")
    if measure == "population":
        if not size.population:
            return Plausibility("unchecked", None, low, high, f"no population for {entity!r}")
        ratio = value / size.population
        reason = f"{value:.4g} persons / population {size.population:.3g} ({size.year})"
    else:
        if not size.gdp_usd:
            return Plausibility("unchecked", None, low, high, f"no GDP for {entity!r}")
        if not is_currency(unit):
            return Plausibility("unchecked", None, low, high, f"unit {unit!r} is not money")
        usd, how = _to_usd(value, unit, period, rates)
        if usd is None:
            return Plausibility("unchecked", None, low, high, how)
        years = parse_period(period).years
        ratio = abs(usd) / (size.gdp_usd * years)
        reason = f"US${usd:.4g} / (GDP US${size.gdp_usd:.3g} ({size.year}) x {years:g} years)" + (
            f"; {how}" if how else ""
        )
    status = "plausible" if low <= ratio <= high else "implausible"
    return Plausibility(status, ratio, low, high, f"{reason} = {ratio:.3g}, bounds [{low}, {high}]")


_SCALE_NAMES = ((1e12, "tn"), (1e9, "bn"), (1e6, "mn"), (1e3, "k"))
_SYMBOLS = {"USD": "US$", "CNY": "RMB ", "EUR": "€", "VND": "VND "}


def format_quantity(value: float, unit: str, digits: int = 4) -> str:
    """A readable form of a base-unit value: ``US$176.35 bn``, ``98.9 mn persons``.

    >>> format_quantity(176.35e9, "USD"), format_quantity(9.89e7, "persons")
    ('US$176.35 bn', '98.9 mn persons')
    """
    number, name = f"{value:.{digits + 1}g}", ""
    for factor, scale_name in _SCALE_NAMES:
        if abs(value) >= factor:
            number, name = f"{value / factor:.{digits + 1}g}", scale_name
            break
    scaled = f"{number} {name}".strip()
    if is_currency(unit):
        return f"{_SYMBOLS.get(unit, unit + ' ')}{scaled}"
    return f"{scaled} {unit}".strip()
