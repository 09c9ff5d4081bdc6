"""The one-command smallbiz run: validate -> panel -> analyze -> report.

Each stage writes its outputs and a manifest under ``out_dir`` (layout in docs/run.md) and
is reused when its inputs and settings have not changed, so a rerun after an interruption
resumes where it stopped. Before returning, every published file (``results/``,
``figures/``, ``report.html``) is scanned for the firm, account and card identifiers of the
input; a hit removes every published output and raises
:class:`~econscope.errors.DisclosureError`, never a silent publish.

>>> from econscope.pipeline import STAGES
>>> STAGES
('validate', 'panel', 'analyze', 'report')
"""

from __future__ import annotations

import html
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from rich.console import Console

from econscope.config import Settings
from econscope.disclosure import scan_published_cells
from econscope.engine import Backend, connect
from econscope.errors import DisclosureError
from econscope.report.smallbiz import render_report
from econscope.smallbiz.analysis import AnalysisResult, analyze
from econscope.smallbiz.panel import PanelResult, build_panel
from econscope.smallbiz.pseudonyms import surrogates
from econscope.smallbiz.validation import ValidationResult, validate

__all__ = ["STAGES", "RunResult", "published_paths", "run"]

STAGES = ("validate", "panel", "analyze", "report")


@dataclass(frozen=True)
class RunResult:
    """Everything one run produced. Tables are DataFrames; the object renders in Jupyter."""

    out_dir: Path
    validation: ValidationResult
    panel: PanelResult
    analysis: AnalysisResult
    report_path: Path
    seconds: Mapping[str, float]
    reused: Mapping[str, bool]

    @property
    def tables(self) -> Mapping[str, pd.DataFrame]:
        """Published result tables by id (fig02 ... fig12, tabA1), after disclosure control."""
        return self.analysis.tables

    @property
    def models(self) -> pd.DataFrame:
        """Coefficients of the three models (model, term, estimate, std_error, ...)."""
        return self.analysis.models

    @property
    def models_fit(self) -> pd.DataFrame:
        """N observations, N firms and fit statistics per model."""
        return self.analysis.models_fit

    @property
    def funnel(self) -> pd.DataFrame:
        """The sample funnel: firms and rows before and after each filter."""
        return self.panel.funnel

    @property
    def accounting(self) -> pd.DataFrame:
        """Rows in, accepted and quarantined per input table."""
        return self.validation.accounting

    def summary(self) -> pd.DataFrame:
        """One row per stage: seconds taken and whether it was reused."""
        return pd.DataFrame(
            {
                "stage": list(STAGES),
                "seconds": [round(self.seconds[s], 2) for s in STAGES],
                "reused": [self.reused[s] for s in STAGES],
            }
        )

    def _repr_html_(self) -> str:
        fit = self.models_fit.to_html(index=False, na_rep="")
        stages = self.summary().to_html(index=False)
        report = html.escape(str(self.report_path))
        return (
            f"<div><strong>econscope smallbiz run</strong> &middot; report: <code>{report}</code>"
            f"<h4>Stages</h4>{stages}<h4>Models</h4>{fit}"
            f"<p>{len(self.tables)} result tables in <code>.tables</code>.</p></div>"
        )


def published_paths(out_dir: Path) -> list[Path]:
    """The published outputs of a run: results/, figures/ and report.html."""
    return [
        p for p in (out_dir / "results", out_dir / "figures", out_dir / "report.html") if p.exists()
    ]


def _unpublish(paths: list[Path]) -> None:
    """Remove published outputs (folders with their contents) after a disclosure hit."""
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def run(
    data_dir: str | Path,
    out_dir: str | Path,
    settings: Settings | None = None,
    *,
    con: Backend | None = None,
    console: Console | None = None,
) -> RunResult:
    """Run validate, panel, analyze and report on the contract tables in ``data_dir``.

    ``console`` (a rich Console) receives one progress line per stage; None is silent.
    """
    settings = settings or Settings()
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    con = con or connect(settings.engine, spill_dir=out_dir / ".spill")
    seconds: dict[str, float] = {}
    reused: dict[str, bool] = {}

    @contextmanager
    def stage(name: str) -> Iterator[Callable[[bool], None]]:
        flag = {"reused": False}
        start = time.perf_counter()
        if console is not None:
            console.print(f"[bold]{name}[/bold] ...", highlight=False)
        yield lambda was_reused: flag.__setitem__("reused", was_reused)
        seconds[name] = time.perf_counter() - start
        reused[name] = flag["reused"]
        if console is not None:
            how = "reused" if flag["reused"] else f"{seconds[name]:.1f} s"
            console.print(f"  {name}: done ({how})", highlight=False)

    with stage("validate") as done:
        validation = validate(data_dir, out_dir / "validated", settings, con=con)
        done(validation.reused)
    with stage("panel") as done:
        panel = build_panel(out_dir / "validated", out_dir / "panel", settings, con=con)
        done(panel.reused)
    with stage("analyze") as done:
        analysis = analyze(out_dir / "panel", out_dir / "results", settings, con=con)
        done(analysis.reused)
    with stage("report") as done:
        report = render_report(out_dir, settings)
        done(report.reused)

    published = published_paths(out_dir)
    # Published cells against the run's surrogate keys: the only ids any stage after
    # validate holds (raw ids stay in validated/id_map.parquet).
    hits = scan_published_cells(published, surrogates(out_dir / "validated", con))
    if hits:
        files = sorted({str(path) for path, _ in hits})
        _unpublish(published)
        removed = ", ".join(str(p) for p in published)
        raise DisclosureError(
            f"{len(hits)} identifier(s) of the input appear in published outputs "
            f"({', '.join(files[:5])}{' ...' if len(files) > 5 else ''}); every published "
            f"output was removed ({removed}), so nothing identifying stays published. "
            "Hint: published tables must hold only aggregates; report this as a bug"
        )
    return RunResult(out_dir, validation, panel, analysis, report.path, seconds, reused)
