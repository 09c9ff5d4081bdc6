"""Every threshold and assumption of econscope, typed, with documented defaults.

The documents econscope reproduces leave many choices open (sample thresholds, the
mapping of deposit categories, whether refunds count as card credits, the price index).
Each one is a field here with a default and a description; the whole settings object is
written into every run's manifest, so a result always says which assumptions made it.

Settings load from a TOML file whose tables mirror the sections below, and single values
can be overridden as ``section.field=value`` (the value in TOML syntax):

>>> s = load_settings(overrides=["disclosure.k=20", "buffer.min_history_days=90"])
>>> s.disclosure.k, s.buffer.min_history_days
(20, 90)
>>> s.size.large_revenue_threshold
100000.0
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from econscope.errors import ConfigError

__all__ = [
    "CARD_KINDS",
    "CPI_U_ANNUAL",
    "DEFAULT_CATEGORY_GROUPS",
    "DEFAULT_INDUSTRIES",
    "BufferConfig",
    "CategoryConfig",
    "CycleConfig",
    "DisclosureConfig",
    "EngineConfig",
    "MoneyConfig",
    "PriceConfig",
    "ResultsConfig",
    "SampleConfig",
    "ScaleConfig",
    "Settings",
    "SizeConfig",
    "load_settings",
    "settings_markdown",
]

#: CPI-U, U.S. city average, all items, not seasonally adjusted, annual averages (BLS series
#: CUUR0000SA0), 2010-2023, as listed in DESIGN.md.
CPI_U_ANNUAL: dict[int, float] = {
    2010: 218.056,
    2011: 224.939,
    2012: 229.594,
    2013: 232.957,
    2014: 236.736,
    2015: 237.017,
    2016: 240.007,
    2017: 245.120,
    2018: 251.107,
    2019: 255.657,
    2020: 258.811,
    2021: 270.970,
    2022: 292.655,
    2023: 304.702,
}

#: The report names construction, health care services and personal services; the
#: Institute's other small-business reports use the rest.
DEFAULT_INDUSTRIES: tuple[str, ...] = (
    "construction",
    "health care services",
    "high-tech services",
    "other professional services",
    "personal services",
    "repair and maintenance",
    "restaurants",
    "retail",
    "real estate",
    "high-tech manufacturing",
    "metal and machinery",
    "wholesalers",
)

CategoryGroup = Literal[
    "operating_inflow",
    "financing_inflow",
    "own_transfer",
    "card_payment",
    "operating_outflow",
    "financing_outflow",
]

#: Deposit transaction category -> the group that decides how it counts in cash flows.
DEFAULT_CATEGORY_GROUPS: dict[str, CategoryGroup] = {
    "sales": "operating_inflow",
    "other_income": "operating_inflow",
    "loan_proceeds": "financing_inflow",
    "owner_injection": "financing_inflow",
    "relief": "financing_inflow",
    "transfer_own": "own_transfer",
    "card_payment": "card_payment",
    "payroll": "operating_outflow",
    "rent": "operating_outflow",
    "suppliers": "operating_outflow",
    "tax": "operating_outflow",
    "other_expense": "operating_outflow",
    "loan_payment": "financing_outflow",
    "owner_draw": "financing_outflow",
}


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SampleConfig(_Section):
    """Who is in the sample (DESIGN.md, method step 1)."""

    min_monthly_transactions: int = Field(
        10, ge=0, description="Deposit transactions a firm needs in every month it is observed."
    )
    min_monthly_outflows: float = Field(
        500.0,
        ge=0,
        description="Deposit outflows (in money.currency, nominal) a firm needs in every month.",
    )
    max_annual_revenue: float = Field(
        20_000_000.0,
        gt=0,
        description="Small = annual revenue below this (in money.currency, nominal).",
    )
    cards_per_firm: int = Field(
        1, ge=1, description="A firm must hold exactly this many business cards."
    )
    deposits_only: bool = Field(
        False,
        description="Deposit-only panel (one row per firm and calendar month, deposit "
        "measures only) even when card tables exist; automatic when they do not "
        "(`--deposits-only`).",
    )


class CategoryConfig(_Section):
    """How deposit categories count in cash flows (DESIGN.md, the input contract)."""

    groups: dict[str, CategoryGroup] = Field(
        default_factory=lambda: dict(DEFAULT_CATEGORY_GROUPS),
        description="Deposit category -> group; categories not listed are quarantined.",
    )

    def categories_in(self, *groups: CategoryGroup) -> tuple[str, ...]:
        """The categories mapped to any of ``groups``, sorted."""
        return tuple(sorted(c for c, g in self.groups.items() if g in groups))

    @property
    def revenue_categories(self) -> tuple[str, ...]:
        """Revenues = operating inflows."""
        return self.categories_in("operating_inflow")

    @property
    def expense_categories(self) -> tuple[str, ...]:
        """Expenses = operating outflows."""
        return self.categories_in("operating_outflow")

    @property
    def excluded_categories(self) -> tuple[str, ...]:
        """Own-account transfers: excluded from every flow."""
        return self.categories_in("own_transfer")


CardKind = Literal["purchase", "payment", "refund", "fee", "interest", "cash_advance"]
CARD_KINDS: tuple[CardKind, ...] = (
    "purchase",
    "payment",
    "refund",
    "fee",
    "interest",
    "cash_advance",
)


class CycleConfig(_Section):
    """Billing cycles and revolving (DESIGN.md, method step 2, the report's Box 1)."""

    refunds_as_credits: bool = Field(
        True, description="Count refunds with payments in the credits that pay a statement."
    )
    grace_period_days: int = Field(
        25, ge=0, description="Days after a statement by which payment is due (simulator truth)."
    )

    @property
    def credit_kinds(self) -> tuple[str, ...]:
        """Card transaction kinds that pay down a statement balance."""
        return ("payment", "refund") if self.refunds_as_credits else ("payment",)


class BufferConfig(_Section):
    """Cash buffer days (DESIGN.md, method step 4)."""

    window_days: int = Field(365, ge=1, description="Trailing window for ADB and outflows.")
    min_history_days: int = Field(
        180, ge=1, description="Days with deposit data in the window; fewer gives a missing value."
    )


class SizeConfig(_Section):
    """Firm size (DESIGN.md, method step 5)."""

    large_revenue_threshold: float = Field(
        100_000.0,
        gt=0,
        description="Large = annual revenue above this (in money.currency, nominal).",
    )
    annualize_partial_years: bool = Field(
        True,
        description="Scale a calendar year's deposit revenue by days in year / days with "
        "data in it (a firm's first and last years are partial); False keeps the raw sum.",
    )


class MoneyConfig(_Section):
    """The currency of every amount in the input and of every money setting."""

    currency: str = Field(
        "USD",
        pattern=r"^[A-Z]{3}$",
        description="ISO 4217 code of the input's amounts (USD, CZK, EUR ...); every money "
        "threshold (sample, size, results.predict_adb) is in this currency, and labels, "
        "axis titles and report text name it.",
    )
    reconcile_tolerance: float = Field(
        1.0,
        ge=0,
        description="validate flags deposit balances that differ from opening balance + "
        "transactions by more than this (money.currency; a bank's rounding).",
    )


class PriceConfig(_Section):
    """Deflation to constant prices (DESIGN.md, method step 6)."""

    deflate: bool = Field(
        True,
        description="Deflate money to base_year prices with the index; False publishes "
        "nominal amounts (the *_real columns equal the nominal ones).",
    )
    index: str = Field(
        "CPI-U",
        min_length=1,
        description="Name of the price index (labels only): the values are cpi_annual, "
        "or cpi_monthly_file when set. Any annual or monthly index works.",
    )
    base_year: int = Field(2022, description="Money is expressed in this year's prices.")
    cpi_annual: dict[int, float] = Field(
        default_factory=lambda: dict(CPI_U_ANNUAL),
        description="The annual index by year (default CPI-U annual averages, BLS "
        "CUUR0000SA0); add one year with --set prices.cpi_annual.1993=100.0.",
    )
    cpi_monthly_file: Path | None = Field(
        None,
        description="Optional CSV with columns year, month, cpi; when set it replaces the "
        "annual table and money is deflated by the index of the statement's month.",
    )

    @field_validator("cpi_annual")
    @classmethod
    def _positive(cls, value: dict[int, float]) -> dict[int, float]:
        bad = [y for y, v in value.items() if not v > 0]
        if bad:
            raise ValueError(f"CPI must be positive; years {bad} are not")
        return value


class FlowConfig(_Section):
    """What the cycle's cash flows count (DESIGN.md, method step 3)."""

    net_cash_flow_excludes_card_payments: bool = Field(
        True,
        description="Net cash flow leaves out card payments (category group card_payment): "
        "paying the card is the outcome the models explain, so counting it would put the "
        "outcome on the right-hand side (a cycle paid in full would have a low net cash flow "
        "by construction). False counts them, as every other outflow.",
    )


class DisclosureConfig(_Section):
    """Statistical disclosure control of every published cell."""

    k: int = Field(10, ge=1, description="No published cell describes fewer than k firms.")
    pool_label: str = Field(
        "other",
        min_length=1,
        description="Models: industries (and size classes) with fewer than k firms are pooled "
        "into this level before fitting, so no published dummy describes fewer than k firms.",
    )
    significant_digits: int = Field(
        8,
        ge=3,
        le=15,
        description="Published numbers are rounded to this many significant digits, so two "
        "runs of the same data publish the same bytes (engine float sums depend on row order "
        "and differ around the 12th digit; docs/disclosure.md).",
    )
    dominance_share: float = Field(
        0.5,
        gt=0,
        le=1,
        description="Dominance rule: a published money total or mean is suppressed when its "
        "largest firm contributes more than this share of it (1 = off; docs/disclosure.md).",
    )
    median_min_firms: int | None = Field(
        None,
        ge=1,
        description="A median of money is published only when at least this many firms are "
        "behind it (a median is one firm's own value, or the mean of two); None = 2 x k.",
    )

    def median_threshold(self) -> int:
        """Firms a published median of money needs: ``median_min_firms``, at least k."""
        m = self.median_min_firms if self.median_min_firms is not None else 2 * self.k
        return max(m, self.k)


class ResultsConfig(_Section):
    """Choices behind the figures, tables and models (DESIGN.md, the results)."""

    min_months_observed: int = Field(
        12,
        ge=1,
        le=12,
        description="fig06/fig07 count firm-years observed in at least this many months.",
    )
    buffer_days_threshold: float = Field(15.0, description="fig10 and fig12 split at this.")
    predict_adb: float = Field(
        10_000.0, description="fig09 evaluates models at this ADB (money.currency, real)."
    )
    predict_buffer_days: float = Field(15.0, description="fig09 evaluates at these buffer days.")
    buffer_days_grid_max: int = Field(60, ge=1, description="fig08 grid is 0..this buffer days.")
    year_month_effects: bool = Field(False, description="Add year-month fixed effects to models.")
    index_base_month: str = Field(
        "2020-01",
        description="fig03 index base (YYYY-MM) = 100; a month outside the data's months "
        "falls back to the data's first month, with a note in the report.",
    )
    industry_years: tuple[int, ...] = Field(
        (2019, 2022),
        description="fig05 compares industries in these calendar years; years outside the "
        "data fall back to its first and last years, with a note in the report.",
    )
    findings_window: tuple[str, str] = Field(
        ("2010-01", "2019-12"),
        description="First and last month (YYYY-MM) that the report's one-sentence findings "
        "under fig10, fig11 and fig12 summarise, and whose last year fig02's finding compares "
        "with (the report's 'before 2020'); clipped to the data's months, and a window "
        "outside them falls back to the data's whole period, with a note in the report.",
    )

    @field_validator("findings_window")
    @classmethod
    def _window_is_months(cls, value: tuple[str, str]) -> tuple[str, str]:
        import re

        if not all(re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", m) for m in value):
            raise ValueError(
                f"{list(value)} are not two months YYYY-MM (e.g. ['2010-01', '2019-12'])"
            )
        if value[0] > value[1]:
            raise ValueError(f"the window {list(value)} ends before it starts: swap them")
        return value

    tabA1_revenue_year: int | Literal["all"] = Field(
        2022,
        description="tabA1 revenue basis: a calendar year = that year's revenue of the firms "
        "seen in it (the report's Table A1 gives 2022 revenue at 2022 prices); 'all' = each "
        "firm's median annual revenue over its years in the panel.",
    )


class EngineConfig(_Section):
    """Where the data work runs."""

    backend: Literal["duckdb", "pyspark"] = Field("duckdb", description="Execution engine.")
    database: Path | None = Field(
        None, description="DuckDB database file (spills to disk); None = in memory."
    )
    memory_limit: str | None = Field(
        None,
        description="DuckDB memory limit, e.g. '8GB'; None = engine.memory_fraction of the "
        "machine's memory (the cgroup limit when lower).",
    )
    memory_fraction: float = Field(
        0.2,
        gt=0,
        le=0.9,
        description="Share of the machine's memory DuckDB may use when memory_limit is None "
        "(DuckDB's own 80% leaves no room for Python, Arrow and other work on a shared machine).",
    )
    threads: int | None = Field(None, ge=1, description="Engine threads; None = all cores.")
    temp_directory: Path | None = Field(
        None,
        description="Where DuckDB spills; None = a .spill folder inside the stage's output "
        "folder (removed when the stage ends), or DuckDB's default outside a stage.",
    )
    max_temp_directory_size: str | None = Field(
        None,
        description="Most spill space DuckDB may use, e.g. '50GB'; None = DuckDB's default "
        "(90% of the free disk).",
    )


class ScaleConfig(_Section):
    """How a big bank is cut into firm buckets (docs/performance.md, bank scale)."""

    buckets: int | None = Field(
        None,
        ge=1,
        le=4096,
        description="Firm buckets of the panel (hash of firm_id mod buckets); None = from the "
        "input rows and the memory budget (scale.rows_per_gb).",
    )
    rows_per_gb: int = Field(
        20_000_000,
        ge=1,
        description="Input rows one bucket may hold per GB of engine memory budget, when "
        "scale.buckets is None (10,000 firms, 40M rows, built in one bucket in 2.2 GB under "
        "a 2 GB limit: 20M rows per GB leaves room).",
    )


class StudyConfig(_Section):
    """How the economies study judges a claim (docs/study.md)."""

    qualifier_tolerance: float = Field(
        0.05,
        ge=0,
        lt=1,
        description="A figure printed with 'about', 'almost' or 'nearly' holds within this "
        "relative distance (0.05 = 5%).",
    )


class Settings(_Section):
    """All settings of a run. Immutable: derive a changed copy with :meth:`with_overrides`."""

    industries: tuple[str, ...] = Field(
        DEFAULT_INDUSTRIES, description="Known industries; others are kept as 'unknown'."
    )
    sample: SampleConfig = Field(default_factory=SampleConfig)
    categories: CategoryConfig = Field(default_factory=CategoryConfig)
    cycles: CycleConfig = Field(default_factory=CycleConfig)
    flows: FlowConfig = Field(default_factory=FlowConfig)
    buffer: BufferConfig = Field(default_factory=BufferConfig)
    size: SizeConfig = Field(default_factory=SizeConfig)
    money: MoneyConfig = Field(default_factory=MoneyConfig)
    prices: PriceConfig = Field(default_factory=PriceConfig)
    disclosure: DisclosureConfig = Field(default_factory=DisclosureConfig)
    results: ResultsConfig = Field(default_factory=ResultsConfig)
    engine: EngineConfig = Field(default_factory=EngineConfig)
    scale: ScaleConfig = Field(default_factory=ScaleConfig)
    study: StudyConfig = Field(default_factory=StudyConfig)

    def to_manifest(self) -> dict[str, Any]:
        """A JSON-ready dict of every setting, for the run manifest."""
        return self.model_dump(mode="json")

    def with_overrides(self, overrides: Iterable[str]) -> Settings:
        """A new Settings with ``section.field=value`` overrides applied."""
        data = self.model_dump()
        for item in overrides:
            _apply_override(data, item)
        return _validate(data, source="--set")


#: Settings that are tables (a key may be added or changed with ``--set``), and the type
#: of their keys.
_MAPPING_SETTINGS: dict[tuple[str, ...], type] = {
    ("categories", "groups"): str,
    ("prices", "cpi_annual"): int,
}


def _parse_override(item: str) -> tuple[list[str], Any]:
    """``a.b."c.d"=value`` -> (["a", "b", "c.d"], value): the key in TOML's dotted-key
    syntax (quote a part that holds a dot), the value in TOML syntax or a bare word."""
    key, sep, raw = item.partition("=")
    if not sep or not key.strip():
        raise ConfigError(
            f"override {item!r} is not of the form section.field=value. "
            "Hint: for example --set disclosure.k=20"
        )
    try:
        parsed: Any = tomllib.loads(f"{key.strip()} = 0")
    except tomllib.TOMLDecodeError:
        raise ConfigError(
            f"override {item!r}: {key.strip()!r} is not a setting name. Hint: quote a part "
            'that holds a dot or a space: --set categories.groups."VYDAJ.VYBER"=other_expense'
        ) from None
    path: list[str] = []
    while isinstance(parsed, dict):
        ((name, parsed),) = parsed.items()
        path.append(name)
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()  # a bare word such as duckdb is read as a string
    return path, value


def _apply_override(data: dict[str, Any], item: str) -> None:
    path, value = _parse_override(item)
    node = data
    for part in path[:-1]:
        if part not in node or not isinstance(node[part], dict):
            raise ConfigError(f"unknown setting section {part!r} in {item!r}. {_sections_hint()}")
        node = node[part]
    leaf: Any = path[-1]
    key_type = _MAPPING_SETTINGS.get(tuple(path[:-1]))
    if key_type is int:
        try:
            leaf = int(leaf)
        except ValueError:
            raise ConfigError(
                f"{item!r}: {'.'.join(path[:-1])} is keyed by year, not {leaf!r}. "
                "Hint: --set prices.cpi_annual.1993=100.0"
            ) from None
    if leaf not in node and key_type is None and len(path) > 1:
        raise ConfigError(f"unknown setting {'.'.join(path)!r}. {_sections_hint()}")
    if tuple(path) in _MAPPING_SETTINGS and isinstance(value, dict):
        kt = _MAPPING_SETTINGS[tuple(path)]
        value = {kt(k): v for k, v in value.items()}
    node[leaf] = value


def _sections_hint() -> str:
    return (
        "Hint: sections are "
        + ", ".join(name for name, f in Settings.model_fields.items() if name != "industries")
        + "; run `econscope config` to print every setting."
    )


def _validate(data: Mapping[str, Any], *, source: str) -> Settings:
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"{source}: setting {where!r}: {first['msg']}. "
            "Hint: run `econscope config` to see every setting with its type and default."
        ) from None


def load_settings(path: str | Path | None = None, overrides: Iterable[str] = ()) -> Settings:
    """Settings from an optional TOML file, then ``section.field=value`` overrides.

    Raises :class:`~econscope.errors.ConfigError` naming the file and the setting at fault.
    """
    data: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{p}: config file not found. Hint: check the path") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{p}: not valid TOML ({exc}). Hint: fix the file") from None
        except UnicodeDecodeError:
            raise ConfigError(f"{p}: not UTF-8 text. Hint: re-save the file as UTF-8") from None
        except IsADirectoryError:
            raise ConfigError(f"{p}: is a folder. Hint: pass the TOML file") from None
        if "prices" in data and "cpi_annual" in data["prices"]:
            cpi = data["prices"]["cpi_annual"]
            data["prices"]["cpi_annual"] = {int(k): v for k, v in cpi.items()}
    settings = _validate(data, source=str(path) if path else "defaults")
    return settings.with_overrides(overrides) if overrides else settings


def settings_markdown(settings: Settings | None = None) -> str:
    """Every setting as a markdown table: name, type, default, description.

    This is how docs/configuration.md is written (``econscope config --markdown``).
    """
    settings = settings or Settings()
    lines = ["| setting | type | default | description |", "| --- | --- | --- | --- |"]

    def walk(model: BaseModel, prefix: str) -> None:
        for name, field in type(model).model_fields.items():
            value = getattr(model, name)
            key = f"{prefix}{name}"
            if isinstance(value, BaseModel):
                walk(value, f"{key}.")
                continue
            shown = _short(value)
            kind = _type_name(field.annotation)
            kind = kind.replace("typing.", "").replace("pathlib.", "").replace("|", "\\|")
            desc = (field.description or "").replace("|", "\\|")
            lines.append(f"| `{key}` | {kind} | {shown} | {desc} |")

    walk(settings, "")
    return "\n".join(lines) + "\n"


def _type_name(annotation: Any) -> str:
    if get_origin(annotation) is Union:  # int | Literal["all"] is a typing.Union
        return " | ".join(_type_name(a) for a in get_args(annotation))
    if get_origin(annotation) is Literal and len(get_args(annotation)) == 1:
        return repr(get_args(annotation)[0])
    return getattr(annotation, "__name__", None) or str(annotation)


def _short(value: Any) -> str:
    if isinstance(value, dict) and len(value) > 4:
        return f"{len(value)} entries (see `econscope config`)"
    if isinstance(value, tuple) and len(value) > 4:
        return f"{len(value)} items (see `econscope config`)"
    return f"`{value!r}`".replace("|", "\\|")
