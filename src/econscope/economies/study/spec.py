"""The study specification as typed, frozen models (read from ``study.yaml``).

A study names its facts file, the reference exchange rates its conversions are judged
against, its claims and its charts. Every field is checked when the file is read: an
unknown field, a missing one, an unknown indicator function or a duplicate claim id is
a :class:`~econscope.errors.ConfigError` naming the claim and the field. The spec holds
no verdict: every verdict is computed (:mod:`.verdicts`).

>>> spec = load_study("vietnam-china")
>>> spec.name, len(spec.claims) >= 55
('vietnam-china', True)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from econscope.errors import ConfigError

__all__ = [
    "ChartSpec",
    "ClaimSpec",
    "Contrast",
    "DataCheck",
    "Query",
    "StudySpec",
    "TsiGroup",
    "TsiSpec",
    "load_study",
]

_HERE = Path(__file__).resolve().parent.parent
ClaimSection = Literal[
    "growth", "trade", "structure", "fdi", "firms", "wages", "size", "dependence", "history"
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Query(_Model):
    """A real-data query: a WDI code for one entity and a period or a range of years."""

    wdi: str
    entity: str
    period: str | None = None
    periods: str | None = None

    @model_validator(mode="after")
    def _one_period(self) -> Query:
        if (self.period is None) == (self.periods is None):
            raise ValueError("give exactly one of period (YYYY) or periods (A..B)")
        return self

    def years(self) -> list[str]:
        """The periods asked for, in order."""
        if self.periods is None:
            return [str(self.period)]
        first, _, last = self.periods.partition("..")
        return [str(y) for y in range(int(first), int(last or first) + 1)]


class RateQuery(_Model):
    """An exchange rate: ``LOCAL/USD`` for a period, from the data given (WDI
    PA.NUS.FCRF, annual) or else the study's reference rates."""

    rate: str
    period: str


class Contrast(_Model):
    """The stated figure set against a series of the concept the argument needs."""

    query: Query
    text: str = ""


class TsiGroup(_Model):
    """Products a claim speaks of together, and the direction it says they took:
    ``rising`` (less import-dependent) or ``low`` (TSI stays below ``below``)."""

    codes: dict[str, str]
    says: Literal["rising", "low"]
    below: float = -0.5
    years: str | None = None


class TsiSpec(_Model):
    """Trade specialisation from Comtrade flows (``mirror``: the partner's TSI from the
    reporter's flows)."""

    reporter: str
    partner: str
    mirror: bool = False
    years: str = "1900..2100"
    groups: dict[str, TsiGroup]

    def codes(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for g in self.groups.values():
            out.update(g.codes)
        return out


class DataCheck(_Model):
    """How a claim is checked against real data (exactly one kind)."""

    substitute: dict[str, Query | RateQuery] | None = None
    contrast: Contrast | None = None
    stated_series: Query | None = None
    tsi: TsiSpec | None = None
    unavailable: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> DataCheck:
        given = [k for k in type(self).model_fields if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"a data_check has exactly one of substitute, contrast, stated_series, tsi, "
                f"unavailable; got {given or 'none'}"
            )
        return self

    @property
    def kind(self) -> str:
        return next(k for k in type(self).model_fields if getattr(self, k) is not None)


class StatedValue(_Model):
    """A figure the claim states that is not a fact of its own (e.g. 100% for shares
    that must add up), with its printed decimals."""

    value: float
    unit: str
    decimals: int = 0
    bound: Literal["upper", "lower"] | None = None
    implied: bool = False


class StatedHolds(_Model):
    """The claim says a comparison holds (or does not)."""

    holds: bool


class Windows(_Model):
    """Test a comparison over years on every other window of at least ``min_years``."""

    min_years: int = Field(ge=2)


Input = str | list[str | Query] | Query | RateQuery


class ClaimSpec(_Model):
    """One claim: the article's sentence, its inputs, the function that recomputes it
    and what it states (see the header of the bundled study.yaml)."""

    id: str
    section: ClaimSection
    claim: str
    quote: str
    inputs: dict[str, Input] = Field(default_factory=dict)
    compute: dict[str, Any]
    stated: str | StatedValue | StatedHolds
    tolerance: float | None = None
    windows: Windows | None = None
    checkable_with: str = ""
    note: str = ""
    data_check: DataCheck | None = None

    @field_validator("claim", "quote", "note", "checkable_with", mode="before")
    @classmethod
    def _one_line(cls, v: Any) -> Any:
        return " ".join(str(v).split()) if v is not None else ""


class ChartSeries(_Model):
    """One series of a chart: fact ids, a WDI query, or claims' figures. ``origin`` says
    whether the series is the article's or the data's (the legend marks it)."""

    label: str
    origin: Literal["article", "data", "recomputed"] = "article"
    facts: list[str] | None = None
    wdi: str | None = None
    entity: str | None = None
    period: str | None = None
    periods: str | None = None
    claims: list[str] | None = None
    field: Literal["value", "stated"] = "value"
    x: list[str] | None = None
    scale: float = 1.0
    unit: str | None = None


class ChartSpec(_Model):
    """One chart of the report: a kind (line over years, or bars) and its series."""

    id: str
    title: str
    kind: Literal["line", "bar"] = "bar"
    y_title: str = ""
    caption: str = ""
    source: Literal["facts", "tsi"] = "facts"
    series: list[ChartSeries] = Field(default_factory=list)

    @field_validator("caption", mode="before")
    @classmethod
    def _one_line(cls, v: Any) -> Any:
        return " ".join(str(v).split()) if v is not None else ""


class StudySpec(_Model):
    """A whole study: its claims, charts, facts file and reference rates."""

    name: str = Field(alias="study")
    title: str = ""
    document: str = ""
    facts: str = "facts.yaml"
    rates: str | None = None
    claims: tuple[ClaimSpec, ...]
    charts: tuple[ChartSpec, ...] = ()
    path: Path

    @property
    def facts_path(self) -> Path:
        return (self.path.parent / self.facts).resolve()

    @property
    def rates_path(self) -> Path | None:
        return None if self.rates is None else (self.path.parent / self.rates).resolve()

    def claim(self, claim_id: str) -> ClaimSpec:
        for c in self.claims:
            if c.id == claim_id:
                return c
        raise KeyError(claim_id)


def _bundled(name: str) -> Path | None:
    candidate = _HERE / name.replace("-", "_") / "study.yaml"
    return candidate if candidate.is_file() else None


def _where(loc: tuple[Any, ...], data: dict[str, Any]) -> str:
    if len(loc) >= 2 and loc[0] == "claims" and isinstance(loc[1], int):
        claims = data.get("claims") or []
        cid = claims[loc[1]].get("id", loc[1]) if loc[1] < len(claims) else loc[1]
        return f"claim {cid!r}, field {'.'.join(str(x) for x in loc[2:]) or '(claim)'}"
    return "field " + ".".join(str(x) for x in loc)


def load_study(name_or_path: str | Path) -> StudySpec:
    """Read a study by bundled name (``vietnam-china``) or by the path of its YAML file.

    Raises :class:`~econscope.errors.ConfigError` naming the claim and field at fault.
    """
    from econscope.economies.study.claims import FUNCTIONS

    path = _bundled(str(name_or_path)) if isinstance(name_or_path, str) else None
    if path is None:
        path = Path(name_or_path)
        if path.is_dir():
            path = path / "study.yaml"
    if not path.is_file():
        raise ConfigError(
            f"no study {str(name_or_path)!r}. Hint: give a bundled name (vietnam-china) or "
            "the path of a study.yaml"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc}). Hint: fix the file") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a study is a mapping. Hint: see the bundled study.yaml")
    try:
        spec = StudySpec.model_validate({**data, "path": path})
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ConfigError(
            f"{path}: {_where(tuple(err['loc']), data)}: {err['msg']}. "
            "Hint: see the field list at the top of the bundled study.yaml"
        ) from None
    seen: set[str] = set()
    for c in spec.claims:
        if c.id in seen:
            raise ConfigError(
                f"{path}: claim {c.id!r}: duplicate claim id. Hint: ids must be unique"
            )
        seen.add(c.id)
        fn = c.compute.get("fn")
        if fn not in FUNCTIONS:
            raise ConfigError(
                f"{path}: claim {c.id!r}: unknown indicator function {fn!r}. Hint: use one of "
                + ", ".join(sorted(FUNCTIONS))
            )
    return spec
