"""Run a study: every claim computed and judged, written as tables, returned as a result.

``run_study(name_or_path, out_dir, data_files)`` writes::

    OUT/ledger.csv            one row per claim (LEDGER_COLUMNS): the verdict in parts
    OUT/facts.csv             one row per fact (FACTS_COLUMNS): how its phrase reads
    OUT/observations.parquet  entity, indicator, period, value, unit, concept, source, vintage
    OUT/charts.csv            the tidy rows each chart draws
    OUT/claims.json           the claim results with their numbers
    OUT/study.json            the study's title, document and chart specs
    OUT/manifest.json         written last: a rerun with the same inputs reuses the folder

and returns a frozen :class:`StudyResult` built from those files, so a reused result and
a fresh one are the same object. Rendering is the report package's job
(:func:`econscope.report.economies.render_study_report` reads only the result).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from econscope.config import Settings
from econscope.economies.load import expand_inputs
from econscope.economies.observations import OBSERVATION_COLUMNS, Observation
from econscope.economies.study.checks import DataCheckResult, data_check, tsi_frame
from econscope.economies.study.claims import (
    FUNCTIONS,
    Env,
    Missing,
    MissingInput,
    Outcome,
    format_value,
)
from econscope.economies.study.data import (
    FACTS_COLUMNS,
    DataStore,
    FactsTable,
    ReferenceRates,
    fact_observations,
    load_data,
    queries,
    resolve,
)
from econscope.economies.study.spec import (
    ClaimSpec,
    StatedHolds,
    StatedValue,
    StudySpec,
    load_study,
)
from econscope.economies.study.verdicts import Parts, Stated, headline, judge
from econscope.engine import Backend, atomic_path, connect, write_parquet
from econscope.errors import ConfigError, DataError
from econscope.stages import StageOutput, run_stage

__all__ = [
    "CHART_COLUMNS",
    "LEDGER_COLUMNS",
    "ChartInfo",
    "ClaimResult",
    "StudyResult",
    "compute_claims",
    "run_study",
]

#: Columns of ``ledger.csv``, in order: the verdict in parts, then the headline.
LEDGER_COLUMNS: tuple[str, ...] = (
    "claim_id",
    "section",
    "claim",
    "quote",
    "inputs",
    "recomputed",
    "stated",
    "arithmetic",
    "concept",
    "vintage",
    "window",
    "fx",
    "verdict",
    "data_check",
    "facts_check",
    "note",
)
#: Columns of ``charts.csv``: ``origin`` tells the article's series from the data's.
CHART_COLUMNS: tuple[str, ...] = ("chart", "series", "origin", "x", "value", "unit", "source")
_OUTPUTS = (
    "ledger.csv",
    "facts.csv",
    "charts.csv",
    "claims.json",
    "study.json",
    "observations.parquet",
)


@dataclass(frozen=True)
class ClaimResult:
    """One row of the ledger, with the numbers behind its text."""

    claim_id: str
    section: str
    claim: str
    quote: str
    inputs: str
    recomputed: str
    stated: str
    arithmetic: str
    concept: str
    vintage: str
    window: str
    fx: str
    verdict: str
    data_check: str
    facts_check: str
    note: str
    value: float | None = None
    stated_value: float | None = None
    data_verdict: str = ""

    def row(self) -> dict[str, str]:
        """The ledger.csv row."""
        return {c: str(getattr(self, c)) for c in LEDGER_COLUMNS}


@dataclass(frozen=True)
class ChartInfo:
    """What the report needs to draw one chart (its rows are in ``StudyResult.charts``)."""

    id: str
    title: str
    kind: str
    y_title: str
    caption: str


# --------------------------------------------------------------------------- claims
def _stated(spec: ClaimSpec, facts: FactsTable, about: float) -> Stated:
    s = spec.stated
    if isinstance(s, str):
        fig = resolve(s, facts.observations, DataStore({}, None, ()), ReferenceRates({}), spec.id)
        if not isinstance(fig, Observation):  # a fact id always resolves to one figure
            raise ConfigError(f"claim {spec.id!r}: stated {s!r} is not one fact")
        q = facts.checks[s].qualifier
        return Stated(
            fig,
            bound={"at least": "lower", "at most": "upper"}.get(q),  # type: ignore[arg-type]
            about=about if q == "about" else 0.0,
        )
    if isinstance(s, StatedHolds):
        return Stated(None, holds=s.holds)
    if not isinstance(s, StatedValue):
        raise ConfigError(f"claim {spec.id!r}: cannot read stated {s!r}")
    h = 0.5 * 10.0**-s.decimals
    fig = Observation(
        "", "stated", "", s.value, s.unit, low=s.value - h, high=s.value + h, label="stated"
    )
    return Stated(fig, bound=s.bound, implied=s.implied)


def _stated_text(stated: Stated, spec: ClaimSpec) -> str:
    if stated.figure is None:
        return "holds" if stated.holds else "does not hold"
    f = stated.figure
    text = format_value(f.value, f.unit)
    if isinstance(spec.stated, str):
        return f"{text} ({f.label})"
    prefix = {"upper": "at most ", "lower": "at least "}.get(stated.bound or "", "")
    return prefix + text + (" (implied by the printed levels)" if stated.implied else "")


def _inputs_text(env: Env) -> str:
    parts = []
    for name, item in env.values.items():
        if isinstance(item, Missing):
            parts.append(f"{name}: missing ({item.what})")
        elif isinstance(item, tuple):
            shown = ", ".join(f"{format_value(v.value, v.unit)} [{v.period}]" for v in item)
            parts.append(f"{name}: {shown}")
        else:
            parts.append(
                f"{name} = {format_value(item.value, item.unit)} [{item.label}; {item.period}; "
                f"{item.concept}; {item.vintage}]"
            )
    return "; ".join(parts) if parts else "none (the article prints no figures for this claim)"


def _run(spec: ClaimSpec, env: Env) -> Outcome:
    args = dict(spec.compute)
    if spec.windows is not None:
        args["min_years"] = spec.windows.min_years
    return FUNCTIONS[args["fn"]](args, env)


def _facts_only(spec: ClaimSpec) -> bool:
    def is_fact(s: Any) -> bool:
        if isinstance(s, str):
            return True
        if isinstance(s, list):
            return all(is_fact(x) for x in s)
        return False

    return all(is_fact(s) for s in spec.inputs.values())


def _facts_check(env: Env, stated: Stated, facts: FactsTable) -> str:
    labels = [o.label for o in env.observations()]
    if stated.figure is not None:
        labels.append(stated.figure.label)
    out = []
    for label in dict.fromkeys(labels):
        c = facts.checks.get(label)
        if c is None:
            continue
        if (
            c.raw_status not in {"consistent", "consistent_reading", "no_raw"}
            or c.plausibility == "implausible"
        ):
            out.append(f"{label}: {c.raw_status}, {c.plausibility}")
    n = sum(1 for label in dict.fromkeys(labels) if label in facts.checks)
    return "; ".join(out) if out else (f"{n} facts read as printed" if n else "no facts")


def _claim(
    spec: ClaimSpec,
    facts: FactsTable,
    data: DataStore,
    rates: ReferenceRates,
    about: float,
) -> ClaimResult:
    env = Env(
        {k: resolve(v, facts.observations, data, rates, spec.id, k) for k, v in spec.inputs.items()}
    )
    stated = _stated(spec, facts, about)
    notes = [spec.note] if spec.note else []
    out: Outcome | None = None
    why_not = ""
    try:
        out = _run(spec, env)
    except MissingInput as exc:
        why_not = exc.what
    if out is not None and spec.checkable_with and _facts_only(spec):
        why_not, out_text = f"the printed figures cannot check it ({out.text})", out.text
        out = None
    else:
        out_text = out.text if out is not None else f"not computable: {why_not}"
    if out is None and spec.checkable_with:
        notes.append(f"What would check it: {spec.checkable_with.rstrip('.')}.")
    parts: Parts = judge(
        out, stated, env.observations(), rates, tolerance=spec.tolerance, why_not=why_not
    )
    verdict = headline(parts)
    dc: DataCheckResult = data_check(
        spec, env, stated, facts.observations, data, rates, _run, uses_data=not _facts_only(spec)
    )
    return ClaimResult(
        claim_id=spec.id,
        section=spec.section,
        claim=spec.claim,
        quote=spec.quote,
        inputs=_inputs_text(env),
        recomputed=out_text,
        stated=_stated_text(stated, spec),
        arithmetic=str(parts.arithmetic),
        concept=str(parts.concept),
        vintage=str(parts.vintage),
        window=str(parts.window),
        fx=str(parts.fx),
        verdict=verdict,
        data_check=dc.text,
        facts_check=_facts_check(env, stated, facts),
        note=" ".join(notes),
        value=None if out is None else out.value,
        stated_value=stated.value,
        data_verdict=dc.verdict,
    )


def compute_claims(
    spec: StudySpec,
    facts: FactsTable,
    data: DataStore,
    rates: ReferenceRates,
    progress: Callable[[str, int, int], None] | None = None,
    settings: Settings | None = None,
) -> tuple[ClaimResult, ...]:
    """Every claim of ``spec`` computed and judged (pure: no files written).
    ``progress(section, done, total)`` is called after each group of claims."""
    about = (settings or Settings()).study.qualifier_tolerance
    out: list[ClaimResult] = []
    sections = list(dict.fromkeys(c.section for c in spec.claims))
    for section in sections:
        out += [_claim(c, facts, data, rates, about) for c in spec.claims if c.section == section]
        if progress is not None:
            progress(section, len(out), len(spec.claims))
    order = {c.id: i for i, c in enumerate(spec.claims)}
    return tuple(sorted(out, key=lambda r: order[r.claim_id]))


# --------------------------------------------------------------------------- charts
def _chart_rows(
    spec: StudySpec, facts: FactsTable, data: DataStore, claims: Sequence[ClaimResult]
) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    by_id = {c.claim_id: c for c in claims}
    for chart in spec.charts:
        for s in chart.series:
            points: list[tuple[float, str, str, str]] = []  # value, x, unit, source
            if s.facts:
                points = [
                    (
                        facts.observations[f].value,
                        facts.observations[f].period,
                        facts.observations[f].unit,
                        "the article",
                    )
                    for f in s.facts
                ]
            elif s.wdi and s.entity:
                from econscope.economies.study.spec import Query

                q = Query(wdi=s.wdi, entity=s.entity, period=s.period, periods=s.periods)
                for p in q.years():
                    found = data.lookup(q.wdi, q.entity, p)
                    if found:
                        points.append((found[0][0], p, "", f"WDI ({found[0][1]})"))
            elif s.claims:
                for c in s.claims:
                    v = by_id[c].stated_value if s.field == "stated" else by_id[c].value
                    if v is not None:
                        points.append(
                            (v, c, "", "the article" if s.field == "stated" else "recomputed")
                        )
            xs = s.x or [p[1] for p in points]
            for (value, _, unit, source), x in zip(points, xs, strict=False):
                rows.append(
                    {
                        "chart": chart.id,
                        "series": s.label,
                        "origin": s.origin,
                        "x": str(x),
                        "value": value / s.scale,
                        "unit": s.unit or unit,
                        "source": source,
                    }
                )
        if chart.source == "tsi":
            for tsi_spec in [
                c.data_check.tsi for c in spec.claims if c.data_check and c.data_check.tsi
            ]:
                for r in tsi_frame(tsi_spec, data).itertuples(index=False):
                    series = f"SITC {r.product} {r.label}"
                    if (
                        r.tsi is None
                        or pd.isna(r.tsi)
                        or any(
                            row["chart"] == chart.id
                            and row["series"] == series
                            and row["x"] == str(r.year)
                            for row in rows
                        )
                    ):
                        continue
                    rows.append(
                        {
                            "chart": chart.id,
                            "series": series,
                            "origin": "data",
                            "x": str(r.year),
                            "value": float(r.tsi),
                            "unit": "index",
                            "source": "UN Comtrade (mirrored)",
                        }
                    )
    return pd.DataFrame(rows, columns=list(CHART_COLUMNS))


def _observations(facts: FactsTable, data: DataStore) -> pa.Table:
    rows = [o.record() for o in facts.observations.values()]
    for (code, entity, period), found in sorted(data.series.items()):
        unit, concept = data.units.get(code, ("", ""))
        for value, vintage in found:
            rows.append(
                {
                    "entity": entity,
                    "indicator": code,
                    "period": period,
                    "value": value,
                    "unit": unit,
                    "concept": concept,
                    "source": "World Bank WDI",
                    "vintage": vintage,
                }
            )
    schema = pa.schema(
        [(c, pa.float64() if c == "value" else pa.string()) for c in OBSERVATION_COLUMNS]
    )
    return pa.Table.from_pylist(rows, schema=schema)


# --------------------------------------------------------------------------- result
def _counts_text(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items())


@dataclass(frozen=True, eq=False)
class StudyResult:
    """A finished study run: the ledger (:data:`LEDGER_COLUMNS`), the facts table
    (:data:`~.data.FACTS_COLUMNS`), the chart rows and chart specs, and where they are."""

    name: str
    title: str
    document: str
    out_dir: Path
    ledger: pd.DataFrame = field(repr=False)
    facts: pd.DataFrame = field(repr=False)
    charts: pd.DataFrame = field(repr=False)
    chart_specs: tuple[ChartInfo, ...] = field(repr=False)
    claims: tuple[ClaimResult, ...] = field(repr=False)
    data_files: tuple[str, ...] = ()
    reused: bool = False

    @property
    def ledger_path(self) -> Path:
        return self.out_dir / "ledger.csv"

    @property
    def facts_path(self) -> Path:
        return self.out_dir / "facts.csv"

    @property
    def observations_path(self) -> Path:
        return self.out_dir / "observations.parquet"

    @property
    def report_path(self) -> Path | None:
        """``report.html`` when the report package has rendered it."""
        p = self.out_dir / "report.html"
        return p if p.is_file() else None

    def verdicts(self) -> dict[str, str]:
        """claim_id -> headline verdict."""
        return {c.claim_id: c.verdict for c in self.claims}

    def counts(self) -> dict[str, int]:
        """Claims per headline verdict, in the order of the verdict names."""
        from econscope.economies.study.verdicts import VERDICTS

        have = pd.Series([c.verdict for c in self.claims]).value_counts().to_dict()
        return {v: int(have[v]) for v in VERDICTS if v in have}

    def claim(self, claim_id: str) -> ClaimResult:
        """The result of one claim (KeyError naming the known ids otherwise)."""
        for c in self.claims:
            if c.claim_id == claim_id:
                return c
        raise KeyError(
            f"no claim {claim_id!r}; known: {', '.join(c.claim_id for c in self.claims)}"
        )

    def summary(self) -> pd.DataFrame:
        """Claims per section and headline verdict (rows: sections; columns: verdicts)."""
        frame = pd.DataFrame(
            [(c.section, c.verdict) for c in self.claims], columns=["section", "verdict"]
        )
        table = pd.crosstab(frame["section"], frame["verdict"])
        cols = [v for v in self.counts() if v in table.columns]
        return table[cols]

    def __repr__(self) -> str:
        data = f"{len(self.data_files)} data files" if self.data_files else "facts only"
        return (
            f"<StudyResult {self.name}: {len(self.claims)} claims, {len(self.facts)} facts, "
            f"{data}; {_counts_text(self.counts())}; {self.out_dir}>"
        )

    def _repr_html_(self) -> str:
        from html import escape

        rows = "".join(
            f"<tr><td>{escape(k.replace('_', ' '))}</td><td>{v}</td></tr>"
            for k, v in self.counts().items()
        )
        report = self.report_path
        link = f'<p><a href="{escape(report.as_uri())}">open the report</a></p>' if report else ""
        data = f", {len(self.data_files)} data files" if self.data_files else ""
        return (
            f"<div><strong>{escape(self.title or self.name)}</strong>: {len(self.claims)} claims, "
            f"{len(self.facts)} facts{data}"
            f"<table><thead><tr><th>verdict</th><th>claims</th></tr></thead><tbody>{rows}</tbody></table>"
            f"{link}</div>"
        )


def _write(
    out: Path,
    spec: StudySpec,
    claims: Sequence[ClaimResult],
    facts: FactsTable,
    charts: pd.DataFrame,
    observations: pa.Table,
    data_files: Sequence[str],
) -> None:
    with atomic_path(out / "ledger.csv") as tmp:
        pd.DataFrame([c.row() for c in claims], columns=list(LEDGER_COLUMNS)).to_csv(
            tmp, index=False
        )
    with atomic_path(out / "facts.csv") as tmp:
        pd.DataFrame(facts.rows(), columns=list(FACTS_COLUMNS)).to_csv(tmp, index=False)
    with atomic_path(out / "charts.csv") as tmp:
        charts.to_csv(tmp, index=False)
    body = {"data_files": list(data_files), "claims": [asdict(c) for c in claims]}
    with atomic_path(out / "claims.json") as tmp:
        tmp.write_text(json.dumps(body, indent=1, allow_nan=True), encoding="utf-8")
    meta = {
        "name": spec.name,
        "title": spec.title,
        "document": " ".join(spec.document.split()),
        "charts": [
            asdict(ChartInfo(c.id, c.title, c.kind, c.y_title, c.caption)) for c in spec.charts
        ],
    }
    with atomic_path(out / "study.json") as tmp:
        tmp.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    write_parquet(observations, out / "observations.parquet")


def load_result(out: Path, reused: bool = False) -> StudyResult:
    """The result of a finished run, from its files (nothing is recomputed)."""
    body = json.loads((out / "claims.json").read_text(encoding="utf-8"))
    meta = json.loads((out / "study.json").read_text(encoding="utf-8"))
    claims = tuple(ClaimResult(**c) for c in body["claims"])
    return StudyResult(
        name=meta["name"],
        title=meta["title"],
        document=meta["document"],
        out_dir=out,
        ledger=pd.DataFrame([c.row() for c in claims], columns=list(LEDGER_COLUMNS)),
        facts=pd.read_csv(out / "facts.csv", dtype=str, keep_default_na=False),
        charts=pd.read_csv(out / "charts.csv", dtype={"x": str, "series": str}),
        chart_specs=tuple(ChartInfo(**c) for c in meta["charts"]),
        claims=claims,
        data_files=tuple(body["data_files"]),
        reused=reused,
    )


def run_study(
    name_or_path: str | Path,
    out_dir: str | Path,
    data_files: Sequence[str | Path] = (),
    settings: Settings | None = None,
    *,
    con: Backend | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> StudyResult:
    """Compute every claim of a study and write the ledger, facts and observations.

    ``name_or_path``: a bundled study (``"vietnam-china"``) or a study.yaml path;
    ``data_files``: WDI / Comtrade / BACI files or folders (optional: without them the
    ledger is computed from the facts file alone and ``data_check`` says so). A rerun
    with the same study, facts, rates, data and settings reuses the outputs.

    >>> import tempfile
    >>> r = run_study("vietnam-china", tempfile.mkdtemp())
    >>> r.verdicts()["jan_apr_2022_balance_by_sector"]
    'consistent'
    """
    settings = settings or Settings()
    spec = load_study(name_or_path)
    if Path(out_dir).exists() and not Path(out_dir).is_dir():
        raise DataError(f"{out_dir}: the output folder is a file", hint="give a folder for --out")
    data_paths = expand_inputs(list(data_files), suffixes=(".csv",)) if data_files else []
    inputs: dict[str, str | Path] = {"study": spec.path, "facts": spec.facts_path}
    if spec.rates_path is not None:
        inputs["rates"] = spec.rates_path
    inputs.update({f"data{i}": p for i, p in enumerate(data_paths)})

    def compute(out: Path) -> StageOutput:
        facts = fact_observations(spec.facts_path)
        rates = ReferenceRates.from_csv(spec.rates_path)
        codes, entities, pairs = queries(spec)
        data = load_data(
            data_paths,
            codes=codes,
            entities=entities,
            trade_pairs=pairs,
            con=con or connect(settings.engine),
        )
        claims = compute_claims(spec, facts, data, rates, progress, settings)
        charts = _chart_rows(spec, facts, data, claims)
        _write(out, spec, claims, facts, charts, _observations(facts, data), data.files)
        rows = {"claims": len(claims), "facts": len(facts.facts), "chart_rows": len(charts)}
        return StageOutput(rows=rows, outputs=list(_OUTPUTS))

    stage = run_stage(
        f"study:{spec.name}",
        out_dir,
        inputs=inputs,
        settings=settings.to_manifest(),
        params={},
        compute=compute,
        load=lambda out, _manifest: load_result(out),
    )
    return replace(stage.value, reused=stage.reused)
