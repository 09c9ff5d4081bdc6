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

import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.progress import (
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from econscope.config import Settings
from econscope.disclosure import scan_published_cells
from econscope.engine import Backend, connect
from econscope.errors import DisclosureError
from econscope.report.smallbiz import render_report
from econscope.report.summary import Summary
from econscope.smallbiz.analysis import AnalysisResult, analyze
from econscope.smallbiz.panel import PanelResult, build_panel
from econscope.smallbiz.pseudonyms import surrogates
from econscope.smallbiz.results.fidelity import write_fidelity
from econscope.smallbiz.validation import ValidationResult, validate
from econscope.stages import run_lock

__all__ = [
    "STAGES",
    "RunResult",
    "finished_line",
    "progress_display",
    "published_paths",
    "run",
]

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

    def stage_times(self) -> pd.DataFrame:
        """One row per stage: seconds taken and whether it was reused."""
        return pd.DataFrame(
            {
                "stage": list(STAGES),
                "seconds": [round(self.seconds[s], 2) for s in STAGES],
                "reused": [self.reused[s] for s in STAGES],
            }
        )

    def summary(self) -> Summary:
        """The run in one object (statsmodels style): ``print()`` it for text; in a
        notebook it renders as HTML. Funnel, coefficients (etable style), one finding per
        figure, and links to the report. See :mod:`econscope.report.summary`."""
        from econscope.report.summary import run_summary

        return run_summary(
            out_dir=self.out_dir,
            seconds=self.seconds,
            reused=self.reused,
            accounting=self.accounting,
            funnel=self.funnel,
            models=self.models,
            models_fit=self.models_fit,
            tables=self.tables,
            report_path=self.report_path,
            k=self.k,
            settings=self.settings,
        )

    @property
    def settings(self) -> Settings:
        """The settings the results were made with (the results manifest), with the values
        the analysis chose for this data's period (results/notes.csv) in force."""
        from econscope.report.smallbiz import effective_settings

        recorded = self.analysis.manifest.settings
        settings = Settings.model_validate(recorded) if recorded else Settings()
        return effective_settings(self.out_dir, settings)

    @property
    def k(self) -> int:
        """The disclosure threshold the run published with (from the results manifest)."""
        recorded = self.analysis.manifest.settings.get("disclosure", {})
        return int(recorded.get("k", 10))

    def __repr__(self) -> str:
        firms = self.funnel["firms_after"].iloc[-1] if not self.funnel.empty else 0
        reused = sum(self.reused.values())
        return (
            f"RunResult(out_dir='{self.out_dir}', firms={int(firms):,}, "
            f"tables={len(self.tables)}, models={self.models['model'].nunique()}, "
            f"stages reused={reused}/{len(STAGES)}, report='{self.report_path}')"
        )

    def _repr_html_(self) -> str:
        return self.summary().as_html()


class _Silent:
    """A progress display that shows nothing (no console given)."""

    def __enter__(self) -> _Silent:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def add_task(self, description: str, **fields: object) -> int:
        return 0

    def update(self, task: int, **fields: object) -> None:
        return None

    def remove_task(self, task: int) -> None:
        return None


class _Units(ProgressColumn):
    """'12 tables' (the units a stage has finished), or nothing for a stage without units."""

    def render(self, task: Task) -> Text:
        unit = task.fields.get("unit", "")
        return Text(f"{task.completed:>3.0f} {unit}" if unit else "")


def progress_display(console: Console | None) -> Progress | _Silent:
    """One line per stage: a spinner, the stage, units done, the latest unit, the time.

    Add a task per stage with ``add_task(name, total=None, unit="tables", step="")`` and
    ``update(task, advance=1, step=name)``; None gives a display that shows nothing.
    """
    if console is None:
        return _Silent()
    return Progress(
        SpinnerColumn(finished_text="[green]✓[/green]"),
        TextColumn("[bold]{task.description:<9}[/bold]"),
        _Units(),
        TextColumn("[dim]{task.fields[step]}[/dim]"),
        TimeElapsedColumn(),
        console=console,
        transient=True,  # replaced by finished_line, or by the error's one line
    )


def finished_line(name: str, count: int, unit: str, seconds: float, reused: bool) -> str:
    """The line a finished stage leaves on the console.

    >>> finished_line("report", 11, "figures", 8.04, False)
    '[green]✓[/green] [bold]report   [/bold]  11 figures  8.0 s'
    >>> finished_line("panel", 0, "steps", 0.01, True)
    '[green]✓[/green] [bold]panel    [/bold]  reused'
    """
    if reused:
        return f"[green]✓[/green] [bold]{name:<9}[/bold]  reused"
    units = f"{count} {unit}  " if unit else ""
    return f"[green]✓[/green] [bold]{name:<9}[/bold]  {units}{seconds:.1f} s"


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

    ``console`` (a rich Console) shows a progress line per stage: validate per table,
    panel per step, report per figure, each ending with its time or "reused"; None is
    silent.
    """
    settings = settings or Settings()
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    con = con or connect(settings.engine, spill_dir=out_dir / ".spill")
    seconds: dict[str, float] = {}
    reused: dict[str, bool] = {}
    progress = progress_display(console)

    @contextmanager
    def stage(
        name: str, unit: str
    ) -> Iterator[tuple[Callable[[str], None], Callable[[bool], None]]]:
        flag = {"reused": False}
        count = [0]
        start = time.perf_counter()
        task = progress.add_task(name, total=None, unit=unit, step="")

        def advance(step: str) -> None:
            count[0] += 1
            progress.update(task, advance=1, step=step)

        yield advance, lambda was_reused: flag.__setitem__("reused", was_reused)
        seconds[name] = time.perf_counter() - start
        reused[name] = flag["reused"]
        progress.remove_task(task)  # its finished line replaces it
        if console is not None:
            line = finished_line(name, count[0], unit, seconds[name], flag["reused"])
            console.print(line, highlight=False)

    out_dir.mkdir(parents=True, exist_ok=True)
    # One run per folder: a second run here fails at once, naming the holder (stages.py).
    with run_lock(out_dir), progress:
        with stage("validate", "tables") as (advance, done):
            validation = validate(
                data_dir, out_dir / "validated", settings, con=con, progress=advance
            )
            done(validation.reused)
        with stage("panel", "steps") as (advance, done):
            panel = build_panel(
                out_dir / "validated", out_dir / "panel", settings, con=con, progress=advance
            )
            done(panel.reused)
        with stage("analyze", "") as (_, done):
            analysis = analyze(out_dir / "panel", out_dir / "results", settings, con=con)
            write_fidelity(out_dir)  # results/fidelity.csv: this run next to the published report
            done(analysis.reused)
        with stage("report", "figures") as (advance, done):
            report = render_report(out_dir, settings, progress=advance)
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
