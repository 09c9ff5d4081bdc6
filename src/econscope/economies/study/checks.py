"""Claims checked against real data: the current vintage of each series a claim uses.

Each kind of :class:`~.spec.DataCheck` is one function returning (verdict, text):

- ``substitute``: the computation rerun with real-data inputs; inputs the article
  printed that the data's release differs from are listed as revised since;
- ``contrast``: the stated figure set against a series of the concept the argument
  needs; the concept part comes from the two observations' metadata;
- ``stated_series``: the stated figure looked up among the vintages loaded (the current
  one: consistent; only an older one, or none: revised since, with the current figure);
- ``tsi``: the trade specialisation index from Comtrade flows, per product group;
- ``unavailable``: what real data would check it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import ibis
import pandas as pd

from econscope.economies.indicators import tsi_table
from econscope.economies.observations import Observation, compatibility
from econscope.economies.study.claims import Env, Missing, MissingInput, Outcome, format_value
from econscope.economies.study.data import DataStore, ReferenceRates, resolve
from econscope.economies.study.spec import ClaimSpec, Contrast, Query, RateQuery, TsiSpec
from econscope.economies.study.verdicts import Stated, headline, judge, same_concept
from econscope.engine import connect
from econscope.errors import ConfigError

__all__ = ["NO_DATA_TEXT", "DataCheckResult", "data_check", "tsi_frame"]

NO_DATA_TEXT = "not run: no data files given"


@dataclass(frozen=True)
class DataCheckResult:
    """The data check of one claim: its verdict (empty when not run), text, the inputs
    the data revised and the data's vintages used."""

    verdict: str
    text: str
    revised: tuple[str, ...] = ()


def _revisions(old: object, new: object) -> list[str]:
    out = []
    if isinstance(old, Observation) and isinstance(new, Observation):
        moved = old.unit != new.unit or abs(old.value - new.value) > old.tolerance + 1e-9 * max(
            abs(old.value), 1
        )
        if moved:
            out.append(
                f"{old.label} {format_value(old.value, old.unit)} -> "
                f"{format_value(new.value, new.unit)} ({new.vintage})"
            )
    elif isinstance(old, tuple) and isinstance(new, tuple):
        changed = [
            f"{n.period} {format_value(o.value, o.unit)} -> {format_value(n.value, n.unit)}"
            for o, n in zip(old, new, strict=False)
            if o.unit == n.unit and abs(o.value - n.value) > o.tolerance + 1e-9
        ]
        if changed:
            out.append(f"revised since ({new[0].vintage}): " + ", ".join(changed))
    return out


def _substitute(
    substitute: Mapping[str, Query | RateQuery],
    spec: ClaimSpec,
    env: Env,
    stated: Stated,
    facts: Mapping[str, Observation],
    data: DataStore,
    rates: ReferenceRates,
    compute: object,
) -> DataCheckResult:
    values = dict(env.values)
    revised: list[str] = []
    for name, query in substitute.items():
        new = resolve(query, facts, data, rates, spec.id, name)
        if isinstance(new, Missing):
            return DataCheckResult(
                "not_checkable", f"not_checkable: the data given lack {new.what}"
            )
        old = values.get(name)
        revised += _revisions(old, new)
        values[name] = new
    new_env = Env(values)
    try:
        out: Outcome = compute(spec, new_env)  # type: ignore[operator]
    except MissingInput as exc:
        return DataCheckResult("not_checkable", f"not_checkable: the data given lack {exc.what}")
    parts = judge(
        out, stated, new_env.observations(), rates, tolerance=spec.tolerance, revised=revised
    )
    verdict = headline(parts)
    if revised and verdict == "inconsistent" and parts.arithmetic.status == "inconsistent":
        # the gap is the data's revision of the article's inputs, not the article's error
        verdict = "revised_since"
    vintages = sorted({o.vintage for o in new_env.observations() if o.source == "World Bank WDI"})
    text = f"{verdict}: {out.text} [data: {', '.join(vintages)}]"
    for p in (parts.window, parts.concept):
        if p.status in {"fails", "different"} or (p.status == "holds" and "fails for" in p.detail):
            text += f"; {p}"
    if revised:
        text += "; the article's figures were revised since: " + "; ".join(revised)
    return DataCheckResult(verdict, text, tuple(revised))


def _contrast(
    c: Contrast,
    spec: ClaimSpec,
    stated: Stated,
    facts: Mapping[str, Observation],
    data: DataStore,
    rates: ReferenceRates,
) -> DataCheckResult:
    other = resolve(c.query, facts, data, rates, spec.id, "contrast")
    if isinstance(other, Missing):
        return DataCheckResult("not_checkable", f"not_checkable: the data given lack {other.what}")
    if not isinstance(other, Observation) or stated.figure is None:
        raise ConfigError(
            f"claim {spec.id!r}: a contrast needs a stated figure and a one-period query. "
            "Hint: give `stated` a fact id and the query a `period`"
        )
    mine = stated.figure
    reasons = [
        r
        for r in compatibility(mine, other, "/")
        if r.kind == "concepts" and not same_concept(r.left, r.right)
    ]
    ratio = mine.value / other.value if other.value else math.nan
    if reasons:
        verdict = "different_concepts"
    elif abs(mine.value - other.value) <= mine.tolerance + 1e-9 * abs(other.value):
        verdict = "consistent"
    else:
        verdict = "revised_since"
    text = (
        f"{verdict}: the article's {format_value(mine.value, mine.unit)} ({mine.concept}) vs "
        f"{format_value(other.value, other.unit)} ({other.concept}, {other.label}, "
        f"{other.vintage}), ratio {ratio:.2f}"
    )
    if c.text:
        text += "; " + " ".join(c.text.split())
    return DataCheckResult(verdict, text)


def _stated_series(q: Query, stated: Stated, data: DataStore) -> DataCheckResult:
    code, period = q.wdi.upper(), q.years()[0]
    found = data.lookup(code, q.entity, period)
    if not found or stated.figure is None:
        return DataCheckResult(
            "not_checkable", f"not_checkable: the data given lack WDI {code} {q.entity} {period}"
        )
    fig = stated.figure
    parts = [f"{vin}: {format_value(v, fig.unit)}" for v, vin in found]
    matches = [
        i
        for i, (v, _) in enumerate(found)
        if float(fig.low) - 1e-9 * abs(v) <= v <= float(fig.high) + 1e-9 * abs(v)
    ]  # type: ignore[arg-type]
    if matches and matches[0] == 0:
        verdict, why = "consistent", "the stated figure is the current vintage's"
    elif matches:
        verdict, why = (
            "revised_since",
            f"the stated figure is an older vintage's ({found[matches[0]][1]})",
        )
    else:
        current = format_value(found[0][0], fig.unit)
        verdict = "revised_since"
        why = f"no vintage loaded has the stated figure; the current one says {current}"
    return DataCheckResult(
        verdict, f"{verdict}: {why}; {code} {q.entity} {period} by vintage: {'; '.join(parts)}"
    )


def tsi_frame(spec: TsiSpec, data: DataStore) -> pd.DataFrame:
    """TSI per product and year from the trade flows (columns product, label, year, x,
    m, tsi). With ``mirror``, the partner's TSI from the reporter's flows."""
    cols = ["product", "label", "year", "x", "m", "tsi"]
    if data.trade is None:
        return pd.DataFrame(columns=cols)
    first, _, last = spec.years.partition("..")
    labels = spec.codes()
    t = ibis.memtable(data.trade)
    t = t.filter(
        (t.reporter == spec.reporter)
        & (t.partner == spec.partner)
        & t["product"].isin(list(labels))
        & (t.period.cast("int64") >= int(first))
        & (t.period.cast("int64") <= int(last or first))
    )
    if spec.mirror:
        t = t.mutate(flow=t.flow.cases(("export", "import"), ("import", "export"), else_=t.flow))
    con = data.con or connect()
    frame = con.to_pyarrow(tsi_table(t, by=("period", "product"))).to_pandas()
    if frame.empty:
        return pd.DataFrame(columns=cols)
    frame["year"] = frame.period.astype(int)
    frame["label"] = frame["product"].map(labels)
    return frame.sort_values(["product", "year"]).reset_index(drop=True)[cols]


def _tsi(ts: TsiSpec, data: DataStore) -> DataCheckResult:
    frame = tsi_frame(ts, data)
    if frame.empty:
        return DataCheckResult(
            "not_checkable", f"not_checkable: no Comtrade flows {ts.reporter} x {ts.partner}"
        )
    texts, holds_all, holds_any = [], True, False
    for name, group in ts.groups.items():
        rows = frame
        if group.years:
            a, _, b = group.years.partition("..")
            rows = frame[(frame.year >= int(a)) & (frame.year <= int(b or a))]
        ok_codes, bad_codes = [], []
        for code, label in group.codes.items():
            series = (
                rows[rows["product"] == str(code)].dropna(subset=["tsi"]).set_index("year")["tsi"]
            )
            if series.empty:
                continue
            y0, y1 = int(series.index.min()), int(series.index.max())
            shown = f"{code} {label} {series[y0]:+.2f} ({y0}) -> {series[y1]:+.2f} ({y1})"
            ok = (
                series[y1] > series[y0]
                if group.says == "rising"
                else bool((series < group.below).all())
            )
            (ok_codes if ok else bad_codes).append(shown)
        if not ok_codes and not bad_codes:
            continue
        holds_all &= not bad_codes
        holds_any |= bool(ok_codes)
        says = "less import-dependent" if group.says == "rising" else f"TSI below {group.below:g}"
        text = f"{name} ({says}): holds for " + ("; ".join(ok_codes) or "none")
        if bad_codes:
            text += "; not for " + "; ".join(bad_codes)
        texts.append(text)
    verdict = "consistent" if holds_all and holds_any else "inconsistent"
    scope = (
        f"{ts.partner}'s TSI in trade with {ts.reporter} only ({ts.reporter}'s reports, "
        "mirrored), not with all partners as in the article"
        if ts.mirror
        else f"TSI of {ts.reporter} with {ts.partner}"
    )
    return DataCheckResult(verdict, f"{verdict} (partial check: {scope}): " + " | ".join(texts))


def data_check(
    spec: ClaimSpec,
    env: Env,
    stated: Stated,
    facts: Mapping[str, Observation],
    data: DataStore,
    rates: ReferenceRates,
    compute: object,
    uses_data: bool,
) -> DataCheckResult:
    """The claim against the real data given (verdict "" and :data:`NO_DATA_TEXT`
    without data)."""
    if data.empty:
        return DataCheckResult("", NO_DATA_TEXT)
    check = spec.data_check
    if check is None:
        if uses_data:
            return DataCheckResult("", "see verdict (computed with the real data given)")
        return DataCheckResult(
            "not_checkable", "not_checkable: no real-data series answers this claim"
        )
    if check.substitute is not None:
        return _substitute(check.substitute, spec, env, stated, facts, data, rates, compute)
    if check.contrast is not None:
        return _contrast(check.contrast, spec, stated, facts, data, rates)
    if check.stated_series is not None:
        return _stated_series(check.stated_series, stated, data)
    if check.tsi is not None:
        return _tsi(check.tsi, data)
    return DataCheckResult(
        "not_checkable", "not_checkable: " + " ".join(str(check.unavailable).split())
    )
