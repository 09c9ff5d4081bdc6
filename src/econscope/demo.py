"""``econscope demo``: a synthetic bank through the whole smallbiz run, and the Vietnam-China study.

One function composes the stages: simulate a bank (reused when ``data/simulation.json``
records the same firms, months and seed), run validate -> panel -> analyze -> report on
it, then run the economies study on its shipped facts file. Everything lands under
``out_dir``::

    out_dir/data/        the simulated bank (contract tables, truth, simulation.json)
    out_dir/smallbiz/    validated/, panel/, results/, figures/, report.html
    out_dir/economies/   ledger.csv, facts.csv, observations.parquet, figures/, report.html
                         (checked against ../shared/data's WDI and Comtrade files when present)
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from econscope.config import Settings
from econscope.economies.study import StudyResult, run_study
from econscope.errors import EconscopeWarning
from econscope.pipeline import RunResult, run
from econscope.smallbiz.sim.simulate import simulate

__all__ = ["DemoResult", "run_demo"]

DEMO_START = "2010-01"
DEMO_END = "2023-01"


@dataclass(frozen=True)
class DemoResult:
    """The two runs of the demo and where their reports are."""

    data_dir: Path
    smallbiz: RunResult
    economies: StudyResult

    @property
    def reports(self) -> tuple[Path, Path | None]:
        """The smallbiz report and the economies report."""
        return self.smallbiz.report_path, self.economies.report_path


def _simulated_already(data_dir: Path, firms: int, seed: int) -> bool:
    record = data_dir / "simulation.json"
    if not record.is_file():
        return False
    doc = json.loads(record.read_text())
    wanted = {"firms": firms, "seed": seed, "start": DEMO_START, "end": DEMO_END, "faults": 0.0}
    return all(doc.get(k) == v for k, v in wanted.items())


def run_demo(
    out_dir: str | Path,
    *,
    firms: int = 2000,
    seed: int = 20230101,
    settings: Settings | None = None,
    console: Console | None = None,
) -> DemoResult:
    """Simulate a bank of ``firms`` firms, run the full smallbiz pipeline and the study."""
    out = Path(out_dir)
    data_dir = out / "data"
    say = console.print if console is not None else (lambda *a, **k: None)
    if _simulated_already(data_dir, firms, seed):
        say(f"[bold]simulate[/bold]: reusing {data_dir}", highlight=False)
    else:
        say(f"[bold]simulate[/bold] {firms:,} firms, {DEMO_START}..{DEMO_END}", highlight=False)
        simulate(
            data_dir,
            firms=firms,
            start=DEMO_START,
            end=DEMO_END,
            seed=seed,
            progress=console is not None,
        )
    smallbiz = run(data_dir, out / "smallbiz", settings, console=console)
    economies = _economies(out / "economies", settings, say)
    return DemoResult(data_dir, smallbiz, economies)


#: Where the demo looks for real WDI and Comtrade files (the project's shared data).
SHARED_DATA = (Path("../shared/data"), Path(__file__).resolve().parents[3] / "shared" / "data")
_REAL = ("wdi", "comtrade/shjain6670_IBE-Project---China")


def shared_data_files() -> tuple[Path, ...]:
    """The real WDI and Comtrade folders of the shared data, when present (else none)."""
    for root in SHARED_DATA:
        found = tuple(root / p for p in _REAL if (root / p).is_dir())
        if found:
            return found
    return ()


def _economies(out: Path, settings: Settings | None, say: Any) -> StudyResult:
    from econscope.report.economies import render_study_report

    data = shared_data_files()
    if data:
        say(
            "[bold]economies[/bold]: Vietnam-China study, checked against the real data in "
            + ", ".join(str(p) for p in data),
            highlight=False,
        )
    else:
        say(
            "[bold]economies[/bold]: Vietnam-China study from the article's figures alone "
            f"(no real data found in {SHARED_DATA[0]}; pass WDI files to "
            "`econscope economies study --data`)",
            highlight=False,
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # files of the shared folder that hold no pair the study asks for are expected
        warnings.filterwarnings("ignore", ".*not used, no requested", EconscopeWarning)
        economies = run_study("vietnam-china", out, data, settings)
    for text in dict.fromkeys(str(w.message) for w in caught):
        say(f"  warning: {text}", highlight=False, markup=False)
    render_study_report(economies)
    for verdict, n in economies.counts().items():
        say(f"  {verdict.replace('_', ' '):<28} {n:>3}", highlight=False)
    return economies
