"""A claim's verdict in parts, each computed from observations and their metadata.

Parts (each a :class:`Part`: a status word and the detail behind it):

- ``arithmetic``: ``consistent`` (the point result equals the stated figure within its
  printed rounding, or within the qualifier's tolerance for an "about" figure, or, for
  a conversion at a rate the article does not state, the implied rate lies within the
  period's range of daily rates), ``within_rounding`` (only inputs inside their
  rounding intervals reach it), ``inconsistent`` (with the size of the gap), or
  ``not_computed``;
- ``concept``: ``same`` or ``different`` (naming both), from the reasons
  :func:`~econscope.economies.observations.compatibility` gives for the pairs the
  computation combined; ``n/a`` when it combined none;
- ``vintage``: ``same``, ``mixed`` (two releases of one series among the inputs and
  the stated figure, naming them) or ``revised_since`` (a real-data release differs);
- ``window``: ``holds`` / ``fails`` for the window the claim names, with the other
  windows on which it holds or fails; ``n/a`` for claims without a window;
- ``fx``: for each figure printed in two currencies, the implied rate against the
  period's average, end-of-period rate and daily range (``within_range`` /
  ``outside_range``; ``no_reference`` without one); ``n/a`` without conversions.

The headline verdict follows one rule, in this order (:func:`headline`):

1. nothing computed: ``not_checkable``;
2. an implied rate outside the period's range: ``inconsistent`` (the conversion is
   wrong, whatever else is);
3. the claim fails on the window it names: ``inconsistent``;
4. mixed releases: ``mixes_vintages``;
5. arithmetic inconsistent: ``inconsistent``;
6. it holds on its window but flips on others: ``window_dependent``;
7. different concepts combined: ``different_concepts``;
8. otherwise the arithmetic: ``consistent`` or ``consistent_within_rounding``.

>>> headline(Parts(Part("consistent"), Part("same"), Part("mixed"), Part("n/a"), Part("n/a")))
'mixes_vintages'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from econscope.economies.observations import Observation, compatibility
from econscope.economies.study.claims import FxUse, Outcome, format_value
from econscope.economies.study.data import ReferenceRates
from econscope.economies.units import unit_family
from econscope.errors import ConfigError

__all__ = ["VERDICTS", "Part", "Parts", "Stated", "Verdict", "headline", "judge", "same_concept"]

Verdict = Literal[
    "consistent",
    "consistent_within_rounding",
    "inconsistent",
    "mixes_vintages",
    "different_concepts",
    "window_dependent",
    "not_checkable",
    "revised_since",
]
#: The headline verdicts, in the order the report lists them (``revised_since`` is a
#: data-check verdict only: the article's figure is an older release of the data's).
VERDICTS: tuple[Verdict, ...] = (
    "consistent",
    "consistent_within_rounding",
    "inconsistent",
    "mixes_vintages",
    "different_concepts",
    "window_dependent",
    "not_checkable",
    "revised_since",
)
_EPS = 1e-9


@dataclass(frozen=True)
class Part:
    """One part of a verdict: a status word and its detail."""

    status: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.status}: {self.detail}" if self.detail else self.status


@dataclass(frozen=True)
class Parts:
    """The five parts of a verdict."""

    arithmetic: Part
    concept: Part
    vintage: Part
    window: Part
    fx: Part


@dataclass(frozen=True)
class Stated:
    """What the article states: a figure (an Observation with its interval), or that a
    comparison holds; ``bound`` for "at least" / "at most"."""

    figure: Observation | None
    holds: bool | None = None
    bound: Literal["upper", "lower"] | None = None
    implied: bool = False
    about: float = 0.0

    @property
    def value(self) -> float | None:
        return None if self.figure is None else self.figure.value


def same_concept(a: str, b: str) -> bool:
    """Concepts match when equal, or when one qualifies the other after a comma
    ("population" and "population, midyear").

    >>> same_concept("population", "population, midyear"), same_concept("a", "b")
    (True, False)
    """
    return a == b or a.startswith(b + ",") or b.startswith(a + ",")


# --------------------------------------------------------------------------- parts
def _arithmetic(out: Outcome, stated: Stated, tolerance: float | None, fx: Part) -> Part:
    if out.boolean or stated.holds is not None:
        want = True if stated.holds is None else stated.holds
        if (out.value > 0.5) == want:
            return Part("consistent", out.text)
        if out.low != out.high:
            return Part(
                "within_rounding", f"{out.text}; inside the rounding of the inputs it can hold"
            )
        return Part("inconsistent", out.text)
    fig = stated.figure
    if fig is None:
        raise ConfigError("a claim states neither a figure nor that it holds")
    if out.unit != fig.unit:
        raise ConfigError(
            f"the computation gives {out.unit or 'no unit'} but the stated figure is in "
            f"{fig.unit or 'no unit'}. Hint: state the figure in {out.unit} (or convert the "
            "inputs so the result is in the stated unit)"
        )
    lo, hi = float(fig.low), float(fig.high)  # type: ignore[arg-type]
    if tolerance is not None:
        lo, hi = fig.value - tolerance, fig.value + tolerance
    widened = abs(fig.value) * stated.about
    if widened > (hi - lo) / 2:
        lo, hi = min(lo, fig.value - widened), max(hi, fig.value + widened)
    eps = _EPS * max(abs(fig.value), 1.0)
    said = format_value(fig.value, fig.unit)
    got = format_value(out.value, out.unit)
    if stated.bound == "lower":
        lo, hi = lo, float("inf")
    elif stated.bound == "upper":
        lo, hi = float("-inf"), hi
    if lo - eps <= out.value <= hi + eps:
        about = (
            f' ("about": within {100 * stated.about:g}%)'
            if widened
            and not (
                float(fig.low) - eps <= out.value <= float(fig.high) + eps  # type: ignore[arg-type]
            )
            else ""
        )
        return Part("consistent", f"{got} against {said}{about}")
    if out.convert is not None and fx.status == "within_range":
        return Part(
            "consistent",
            f"{got} at the period average against {said}: the conversion's rate is not "
            "stated and the rate it implies lies within the period's range",
        )
    if out.low - eps <= hi and out.high + eps >= lo:
        rng = f"{format_value(out.low, out.unit, 4)} to {format_value(out.high, out.unit, 4)}"
        return Part(
            "within_rounding", f"{got}; inside the inputs' rounding {rng}, which reaches {said}"
        )
    gap = out.value - fig.value
    rel = f" ({100 * gap / fig.value:+.1f}%)" if fig.value else ""
    return Part("inconsistent", f"{got} against {said}: off by {format_value(gap, out.unit)}{rel}")


def _concept(out: Outcome) -> Part:
    if not out.pairs:
        return Part("n/a")
    different = []
    for a, b, _, reasons in out.pairs:
        for r in reasons:
            if r.kind == "concepts" and not same_concept(r.left, r.right):
                left, right = a.label or a.indicator, b.label or b.indicator
                text = f"{left} is {r.left or 'unstated'}, {right} is {r.right or 'unstated'}"
                if text not in different:
                    different.append(text)
    if different:
        return Part("different", "; ".join(different))
    concepts = sorted(
        {a.concept for a, _, _, _ in out.pairs} | {b.concept for _, b, _, _ in out.pairs}
    )
    return Part("same", ", ".join(c for c in concepts if c))


def _same_series(a: Observation, b: Observation) -> bool:
    return (
        a.entity == b.entity
        and a.indicator == b.indicator
        and same_concept(a.concept, b.concept)
        and unit_family(a.unit) == unit_family(b.unit)
    )


def _vintage(observations: Sequence[Observation], revised: Sequence[str]) -> Part:
    mixed: list[str] = []
    seen: list[Observation] = []
    for o in observations:
        if not o.vintage:
            continue
        for p in seen:
            if _same_series(p, o) and any(r.kind == "vintages" for r in compatibility(p, o, "-")):
                text = f"{p.label} ({p.vintage}) and {o.label} ({o.vintage})"
                if text not in mixed:
                    mixed.append(text)
        seen.append(o)
    if mixed:
        return Part("mixed", "two releases of one series: " + "; ".join(mixed))
    if revised:
        return Part("revised_since", "; ".join(revised))
    vintages = sorted({o.vintage for o in observations if o.vintage})
    return Part("same", "; ".join(vintages)) if vintages else Part("n/a")


_SHOWN_WINDOWS = 6


def _some(items: Sequence[str], sep: str) -> str:
    """The first windows and how many more (a ledger cell stays readable)."""
    more = len(items) - _SHOWN_WINDOWS
    return sep.join(items[:_SHOWN_WINDOWS]) + (f"{sep}and {more} more" if more > 0 else "")


def _window(out: Outcome, stated: Stated) -> Part:
    if not out.stated_window:
        return Part("n/a")
    want = True if stated.holds is None else stated.holds
    ok = (out.value > 0.5) == want
    good = [w for w, h, _ in out.windows if h == want]
    bad = [f"{w} ({t})" for w, h, t in out.windows if h != want]
    others = []
    if good:
        others.append("also holds for " + _some(good, ", "))
    if bad:
        others.append("fails for " + _some(bad, "; "))
    detail = f"{out.stated_window}" + (": " + "; ".join(others) if others else "")
    return Part("holds" if ok else "fails", detail)


def _fx(out: Outcome, stated: Stated, rates: ReferenceRates) -> Part:
    uses: list[FxUse] = [u for u in out.fx if u.how == "implied"]
    used = [u for u in out.fx if u.how == "used"]
    if out.convert is not None and stated.figure is not None and stated.figure.value:
        a = out.convert
        uses.append(
            FxUse(
                f"{a.unit}/{stated.figure.unit}",
                stated.figure.period,
                a.value / stated.figure.value,
                "implied",
                f"{a.label} / {stated.figure.label}",
            )
        )
    if not uses:
        if used:
            return Part("n/a", "; ".join(f"at {u.rate:.4g} {u.pair} ({u.label})" for u in used))
        return Part("n/a")
    texts, statuses = [], []
    for u in uses:
        ref = rates.get(u.pair, u.period)
        if ref is None:
            statuses.append("no_reference")
            texts.append(
                f"implied {u.rate:.3f} {u.pair} ({u.label}); no reference rate for {u.period}"
            )
            continue
        inside = ref.low - _EPS <= u.rate <= ref.high + _EPS
        statuses.append("within_range" if inside else "outside_range")
        texts.append(
            f"implied {u.rate:.3f} {u.pair} ({u.label}) vs {u.period} average {ref.average:.4g} "
            f"({100 * (u.rate / ref.average - 1):+.1f}%), end of period {ref.end:.4g}, daily "
            f"range {ref.low:.4g}-{ref.high:.4g} ({ref.source})"
        )
    for s in ("outside_range", "no_reference", "within_range"):
        if s in statuses:
            return Part(s, "; ".join(texts))
    return Part("n/a")  # pragma: no cover - statuses is never empty here


def judge(
    out: Outcome | None,
    stated: Stated,
    observations: Iterable[Observation],
    rates: ReferenceRates,
    *,
    tolerance: float | None = None,
    revised: Sequence[str] = (),
    why_not: str = "",
) -> Parts:
    """The five parts of a claim's verdict (``out`` None: nothing could be computed,
    ``why_not`` says why)."""
    obs = list(observations)
    if stated.figure is not None:
        obs.append(stated.figure)
    vintage = _vintage(obs, revised)
    if out is None:
        return Parts(Part("not_computed", why_not), Part("n/a"), vintage, Part("n/a"), Part("n/a"))
    fx = _fx(out, stated, rates)
    return Parts(
        _arithmetic(out, stated, tolerance, fx), _concept(out), vintage, _window(out, stated), fx
    )


def headline(parts: Parts) -> Verdict:
    """The headline verdict from the parts (the rule in the module docstring)."""
    a = parts.arithmetic.status
    if a == "not_computed":
        return "not_checkable"
    if parts.fx.status == "outside_range":
        return "inconsistent"
    if parts.window.status == "fails":
        return "inconsistent"
    if parts.vintage.status == "mixed":
        return "mixes_vintages"
    if a == "inconsistent":
        return "inconsistent"
    if parts.window.status == "holds" and "fails for" in parts.window.detail:
        return "window_dependent"
    if parts.concept.status == "different":
        return "different_concepts"
    return "consistent" if a == "consistent" else "consistent_within_rounding"
