"""The published result tables of the smallbiz suite: their ids, columns and units.

Every result table is long and tidy with the same closing columns::

    <dimension columns...>, measure, value, n_firms, suppressed

``measure`` names what ``value`` is (its unit is in :attr:`TableSpec.measures`),
``n_firms`` counts the distinct firms behind the cell, and ``suppressed`` is true where
disclosure control blanked ``value`` (then ``value`` is null). The analysis writes these
tables, the report reads them; both go through this registry, so a column is named once.

>>> TABLES["fig02"].columns
('month', 'measure', 'value', 'n_firms', 'suppressed')
>>> TABLES["fig02"].measures["share_revolving"]
'share of firms (0-1)'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Literal

from econscope.config import Settings
from econscope.stats import TIDY_COLUMNS

__all__ = [
    "CARD_TABLES",
    "CATEGORY_LABELS",
    "CELL_COLUMNS",
    "COVARIATES",
    "DIMENSION_LABELS",
    "MEASURE_LABELS",
    "MODELS",
    "MODEL_COLUMNS",
    "MODEL_FIT_COLUMNS",
    "MODEL_LABELS",
    "TABLES",
    "TERM_LABELS",
    "ModelName",
    "TableSpec",
    "category_label",
    "category_labels",
    "is_money",
    "is_share",
    "label",
    "money",
    "money_unit",
    "table_specs",
    "term_label",
    "term_labels",
    "thousands",
]

CELL_COLUMNS: tuple[str, ...] = ("measure", "value", "n_firms", "suppressed")

#: results/models.csv: one row per model and term, the columns of :meth:`Fit.tidy`.
MODEL_COLUMNS: tuple[str, ...] = ("model", *TIDY_COLUMNS)
#: results/models_fit.csv
MODEL_FIT_COLUMNS: tuple[str, ...] = ("model", "n_obs", "n_firms", "r2", "log_likelihood")

ChartKind = Literal["line", "bar", "stacked", "table"]

SHARE = "share of firms (0-1)"
#: The unit of money measures in the bare registry; :func:`table_specs` replaces it by
#: the run's :func:`money_unit` (price year and currency).
DOLLARS = "2022 dollars"
DAYS = "days"
PROBABILITY = "predicted probability (0-1)"


@dataclass(frozen=True)
class TableSpec:
    """One published table: its id, title, dimension columns, measures with units, chart."""

    id: str
    title: str
    dims: tuple[str, ...]
    measures: MappingProxyType[str, str]
    chart: ChartKind
    x: str
    color: str | None = None
    facet: str | None = None
    #: the x categories drawn, in this order (None = every value of the table)
    keep: tuple[str, ...] | None = None
    #: the category axis's title when it differs from the dimension's label
    x_title: str | None = None
    #: the run's settings when built by :func:`table_specs` (money in category labels,
    #: e.g. the size threshold in the run's currency); None = the defaults
    settings: Settings | None = field(default=None, compare=False, repr=False)

    @property
    def columns(self) -> tuple[str, ...]:
        return self.dims + CELL_COLUMNS


def _spec(
    id: str,
    title: str,
    dims: tuple[str, ...],
    measures: dict[str, str],
    chart: ChartKind,
    x: str,
    color: str | None = None,
    facet: str | None = None,
    keep: tuple[str, ...] | None = None,
    x_title: str | None = None,
) -> TableSpec:
    return TableSpec(
        id, title, dims, MappingProxyType(measures), chart, x, color, facet, keep, x_title
    )


_SPECS = (
    _spec(
        "fig02",
        "Share of firms revolving and median revolving balance, by month",
        ("month",),
        {"share_revolving": SHARE, "median_revolving_balance": DOLLARS},
        "line",
        x="month",
        facet="measure",
    ),
    _spec(
        "fig03",
        "Median average daily balance, indexed January 2020 = 100",
        ("month",),
        {"median_adb": DOLLARS, "median_adb_index": "index, base month = 100"},
        "line",
        x="month",
        facet="measure",
    ),
    _spec(
        "cashflow",
        "Cash buffer days and monthly cash flows of all firms (medians)",
        ("month",),
        {
            "median_cash_buffer_days": DAYS,
            "median_revenues": DOLLARS,
            "median_expenses": DOLLARS,
            "median_net_cash_flow": DOLLARS,
            "median_total_outflows": DOLLARS,
        },
        "line",
        x="month",
        facet="measure",
    ),
    _spec(
        "fig04",
        "Revolving by firm size (annual revenue)",
        ("month", "size_class"),
        {"share_revolving": SHARE, "median_revolving_balance": DOLLARS},
        "line",
        x="month",
        color="size_class",
        facet="measure",
    ),
    _spec(
        "fig05",
        "Revolving by industry, 2019 and 2022",
        ("industry", "year"),
        {"share_revolving": SHARE, "median_revolving_balance": DOLLARS},
        "bar",
        x="industry",
        color="year",
        facet="measure",
    ),
    _spec(
        "fig06",
        "Share of firms by number of months revolved in the year",
        ("year", "months_revolved"),
        {"share_of_firms": SHARE},
        "stacked",
        x="year",
        color="months_revolved",
        keep=("0", "1-11", "12"),
    ),
    _spec(
        "fig07",
        "Months revolved next year by months revolved this year",
        ("months_revolved",),
        {"share_revolving_0_next_year": SHARE, "share_revolving_12_next_year": SHARE},
        "line",
        x="months_revolved",
        color="measure",
        x_title="Months revolved this year",
    ),
    _spec(
        "fig08",
        "Predicted probability of revolving by cash buffer days",
        ("model", "cash_buffer_days"),
        {"predicted_probability": PROBABILITY},
        "line",
        x="cash_buffer_days",
        color="model",
    ),
    _spec(
        "fig09",
        "Predicted probability of revolving by industry at the same cash position",
        ("model", "industry"),
        {"predicted_probability": PROBABILITY},
        "bar",
        x="industry",
        color="model",
    ),
    _spec(
        "fig10",
        "Revolvers who could pay in full from cash",
        ("month",),
        {
            "share_adb_covers_balance": "share of revolvers (0-1)",
            "share_covers_and_keeps_buffer": "share of revolvers (0-1)",
        },
        "line",
        x="month",
        color="measure",
    ),
    _spec(
        "fig11",
        "Median cash buffer days of revolvers and transactors",
        ("month", "group"),
        {"median_cash_buffer_days": DAYS},
        "line",
        x="month",
        color="group",
    ),
    _spec(
        "fig12",
        "Revolving by cash buffer days",
        ("month", "buffer_group"),
        {"share_revolving": SHARE, "median_revolving_balance": DOLLARS},
        "line",
        x="month",
        color="buffer_group",
        facet="measure",
    ),
    _spec(
        "tabA1",
        "Table A1: firms and median annual revenue by industry",
        ("industry",),
        {"firms": "count of firms", "median_annual_revenue": DOLLARS},
        "table",
        x="industry",
    ),
)

#: id -> spec, in report order.
TABLES: MappingProxyType[str, TableSpec] = MappingProxyType({s.id: s for s in _SPECS})

#: Tables that need card data (revolving); a deposit-only run publishes them empty.
CARD_TABLES: frozenset[str] = frozenset(
    {"fig02", "fig04", "fig05", "fig06", "fig07", "fig08", "fig09", "fig10", "fig11", "fig12"}
)

#: Currencies with a name in labels; any other ISO code is shown as the code itself.
_CURRENCY_NAMES: Mapping[str, str] = MappingProxyType(
    {"USD": "US dollars", "EUR": "euros", "GBP": "pounds sterling"}
)


def money_unit(settings: Settings) -> str:
    """The unit of every published money value: price year and currency.

    >>> from econscope.config import Settings
    >>> money_unit(Settings())
    '2022 US dollars'
    >>> money_unit(Settings().with_overrides(["money.currency=CZK", "prices.base_year=1994"]))
    '1994 CZK'
    >>> money_unit(Settings().with_overrides(["money.currency=CZK", "prices.deflate=false"]))
    'CZK (nominal)'
    """
    currency = settings.money.currency
    name = _CURRENCY_NAMES.get(currency, currency)
    if not settings.prices.deflate:
        return f"{name} (nominal)"
    return f"{settings.prices.base_year} {name}"


def is_money(table_id: str, measure: str) -> bool:
    """Whether a measure of a registered table is an amount of money.

    >>> is_money("fig02", "median_revolving_balance"), is_money("fig02", "share_revolving")
    (True, False)
    """
    spec = TABLES.get(table_id)
    return spec is not None and spec.measures.get(measure) == DOLLARS


def money(amount: float, settings: Settings) -> str:
    """An amount of money in the run's currency for titles and notes.

    >>> from econscope.config import Settings
    >>> money(100_000, Settings()), money(500, Settings().with_overrides(["money.currency=CZK"]))
    ('$100,000', '500 CZK')
    """
    if settings.money.currency == "USD":
        return f"${amount:,.0f}"
    return f"{amount:,.0f} {settings.money.currency}"


def table_specs(settings: Settings) -> Mapping[str, TableSpec]:
    """:data:`TABLES` with units and titles of this run: its currency and price year, its
    size threshold, fig03's base month, fig05's years, fig09's and fig12's thresholds.

    Labels, axis titles and report text read these, never the bare :data:`TABLES`.

    >>> from econscope.config import Settings
    >>> s = Settings().with_overrides(["money.currency=CZK", "prices.base_year=1994",
    ...     "results.index_base_month='1993-06'"])
    >>> specs = table_specs(s)
    >>> specs["fig03"].title, specs["fig03"].measures["median_adb"]
    ('Median average daily balance, indexed 1993-06 = 100', '1994 CZK')
    """
    r = settings.results
    unit = money_unit(settings)
    titles = {
        "fig03": f"Median average daily balance, indexed {r.index_base_month} = 100",
        "fig04": "Revolving by firm size (annual revenue above vs at most "
        f"{money(settings.size.large_revenue_threshold, settings)})",
        "fig05": "Revolving by industry, " + " and ".join(str(y) for y in r.industry_years),
        "fig09": "Predicted probability of revolving by industry (ADB "
        f"{money(r.predict_adb, settings)}, {r.predict_buffer_days:g} buffer days)",
        "fig12": f"Revolving by cash buffer days (at most vs above {r.buffer_days_threshold:g} "
        "days)",
    }
    out = {}
    for tid, spec in TABLES.items():
        measures = {m: (unit if u == DOLLARS else u) for m, u in spec.measures.items()}
        out[tid] = replace(
            spec,
            title=titles.get(tid, spec.title),
            measures=MappingProxyType(measures),
            settings=settings,
        )
    return MappingProxyType(out)


# --------------------------------------------------------------------------- labels
# Every word a reader sees for a model, a term, a measure, a dimension or a category
# comes from here: the CLI, the notebook and the HTML report all read these.

#: The three models, in the report's order.
ModelName = Literal["lpm", "logit", "fe_lpm"]
MODELS: tuple[ModelName, ...] = ("lpm", "logit", "fe_lpm")
MODEL_LABELS: MappingProxyType[str, str] = MappingProxyType(
    {"lpm": "Linear probability", "logit": "Logit", "fe_lpm": "Firm fixed effects"}
)
#: The five covariates of every model, in DESIGN.md's order (money in thousands).
COVARIATES: tuple[str, ...] = ("revenues", "expenses", "net_cash_flow", "adb", "cash_buffer_days")
_TERM_WORDS: Mapping[str, str] = MappingProxyType(
    {
        "revenues": "Revenues",
        "expenses": "Expenses",
        "net_cash_flow": "Net cash flow",
        "adb": "Average daily balance",
    }
)


def thousands(settings: Settings | None = None) -> str:
    """How a model's money covariates are counted: '$ thousands' or 'EUR thousands'.

    >>> from econscope.config import Settings
    >>> thousands(), thousands(Settings().with_overrides(["money.currency=EUR"]))
    ('$ thousands', 'EUR thousands')
    """
    currency = "USD" if settings is None else settings.money.currency
    return "$ thousands" if currency == "USD" else f"{currency} thousands"


def term_labels(settings: Settings | None = None) -> Mapping[str, str]:
    """The covariates' labels in the run's currency (money covariates in thousands)."""
    unit = thousands(settings)
    return MappingProxyType(
        {
            "Intercept": "Intercept",
            "intercept": "Intercept",
            **{term: f"{words} ({unit})" for term, words in _TERM_WORDS.items()},
            "cash_buffer_days": "Cash buffer days",
        }
    )


#: The covariates' labels with the default currency (US dollars).
TERM_LABELS: Mapping[str, str] = term_labels()
MEASURE_LABELS: MappingProxyType[str, str] = MappingProxyType(
    {
        "share_revolving": "Share of firms revolving",
        "median_revolving_balance": "Median revolving balance",
        "median_adb": "Median average daily balance",
        "median_adb_index": "Median average daily balance",
        "share_of_firms": "Share of firms",
        "share_revolving_0_next_year": "Revolve in no month next year",
        "share_revolving_12_next_year": "Revolve every month next year",
        "predicted_probability": "Predicted probability of revolving",
        "share_adb_covers_balance": "Balance covers the card bill",
        "share_covers_and_keeps_buffer": "Covers the bill and keeps the buffer",
        "median_cash_buffer_days": "Median cash buffer days",
        "firms": "Firms",
        "median_annual_revenue": "Median annual revenue",
        "median_revenues": "Median monthly revenues",
        "median_expenses": "Median monthly expenses",
        "median_net_cash_flow": "Median monthly net cash flow",
        "median_total_outflows": "Median monthly total outflows",
    }
)
DIMENSION_LABELS: MappingProxyType[str, str] = MappingProxyType(
    {
        "month": "Month",
        "year": "Year",
        "industry": "Industry",
        "size_class": "Firm size",
        "months_revolved": "Months revolved in the year",
        "model": "Model",
        "cash_buffer_days": "Cash buffer days",
        "group": "Firms",
        "buffer_group": "Cash buffer days",
        "measure": "Measure",
    }
)


def category_labels(
    settings: Settings | None = None,
) -> MappingProxyType[str, MappingProxyType[str, str]]:
    """Category values shown in words (dimension -> value -> label), for a run's settings:
    the size classes name the run's threshold in its currency.

    >>> from econscope.config import Settings
    >>> category_labels()["size_class"]["large"]
    'Revenue above $100,000'
    >>> s = Settings().with_overrides(["money.currency=CZK",
    ...     "size.large_revenue_threshold=2000000"])
    >>> category_labels(s)["size_class"]["small"]
    'Revenue up to 2,000,000 CZK'
    """
    s = settings if settings is not None else Settings()
    threshold = money(s.size.large_revenue_threshold, s)
    return MappingProxyType(
        {
            "model": MODEL_LABELS,
            "size_class": MappingProxyType(
                {"small": f"Revenue up to {threshold}", "large": f"Revenue above {threshold}"}
            ),
            "group": MappingProxyType({"revolvers": "Revolvers", "transactors": "Transactors"}),
            "months_revolved": MappingProxyType(
                {"0": "No month", "1-11": "1 to 11 months", "12": "All 12 months"}
            ),
        }
    )


#: Category values in words with the default settings (see :func:`category_labels`).
CATEGORY_LABELS: MappingProxyType[str, MappingProxyType[str, str]] = category_labels()


def label(name: str, settings: Settings | None = None) -> str:
    """The words for a measure, dimension, model or term; a plain fallback otherwise.

    >>> label("share_revolving"), label("fe_lpm"), label("some_new_thing")
    ('Share of firms revolving', 'Firm fixed effects', 'Some new thing')
    """
    for table in (MEASURE_LABELS, DIMENSION_LABELS, MODEL_LABELS, term_labels(settings)):
        if name in table:
            return table[name]
    return term_label(name, settings)


def term_label(term: str, settings: Settings | None = None) -> str:
    """A model term in words: covariates by name, dummies as "Industry: retail"; money
    in the run's currency (``settings``; None = the defaults, US dollars).

    >>> term_label("industry[T.retail]"), term_label("size_class[T.large]")
    ('Industry: retail', 'Firm size: Revenue above $100,000')
    >>> from econscope.config import Settings
    >>> term_label("adb", Settings().with_overrides(["money.currency=EUR"]))
    'Average daily balance (EUR thousands)'
    """
    terms = term_labels(settings)
    if term in terms:
        return terms[term]
    if "[T." in term and term.endswith("]"):
        variable, level = term[:-1].split("[T.", 1)
        words = category_label(variable, level, settings)
        return f"{DIMENSION_LABELS.get(variable, variable)}: {words}"
    text = term.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def category_label(dimension: str, value: object, settings: Settings | None = None) -> str:
    """A category value in words (``"0"`` months revolved -> "No month").

    >>> category_label("months_revolved", "12"), category_label("industry", "retail")
    ('All 12 months', 'retail')
    >>> category_label("buffer_group", "<= 15 days"), category_label("buffer_group", "> 15 days")
    ('15 days or fewer', 'More than 15 days')
    """
    text = str(value)
    if dimension == "buffer_group":
        if match := re.fullmatch(r"<=\s*(\S+) days", text):
            return f"{match.group(1)} days or fewer"
        if match := re.fullmatch(r">\s*(\S+) days", text):
            return f"More than {match.group(1)} days"
    labels = CATEGORY_LABELS if settings is None else category_labels(settings)
    return labels.get(dimension, MappingProxyType({})).get(text, text)


def is_share(unit: str) -> bool:
    """Whether a unit is a share or probability between 0 and 1 (shown as percent).

    >>> is_share(SHARE), is_share(DOLLARS)
    (True, False)
    """
    return "0-1" in unit
