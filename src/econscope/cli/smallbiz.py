"""``econscope smallbiz ...``: small businesses' use of credit cards, from bank data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from econscope.cli._common import ConfigOption, SetOption, out, settings_from

app = typer.Typer(
    help="Small businesses' use of credit cards for cash flow management, from bank data.",
    no_args_is_help=True,
)


# --- analyze (results helper) ---------------------------------------------------------
@app.command("analyze")
def analyze_cmd(
    panel_dir: Annotated[
        Path,
        typer.Argument(help="Folder holding panel.parquet (the panel stage's output)."),
    ],
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the result tables (OUT/results).")
    ],
    config: ConfigOption = None,
    set_: SetOption = None,
) -> None:
    """Compute every result table and the three models from the panel, under disclosure control."""
    from econscope.report.terminal import regression_table
    from econscope.smallbiz.analyze import analyze

    settings = settings_from(config, set_)
    result = analyze(panel_dir, out_dir, settings)
    out.print(regression_table(result.models, result.models_fit))
    suppressed = sum(int(df["suppressed"].sum()) for df in result.tables.values())
    verb = "reused" if result.reused else "written"
    out.print(
        f"{len(result.files)} result files {verb} in {result.out_dir} "
        f"({suppressed} cells suppressed at k = {settings.disclosure.k})"
    )


# --- report (report helper) -----------------------------------------------------------
@app.command("report")
def report_cmd(
    run_dir: Annotated[
        Path,
        typer.Argument(help="Run folder holding results/ (and panel/, validated/ when there)."),
    ],
    config: ConfigOption = None,
    set_: SetOption = None,
) -> None:
    """Write figures/<id>.png|.svg and the offline report.html of a run."""
    from econscope.smallbiz.report import render_report

    settings = settings_from(config, set_) if config or set_ else None
    page = render_report(run_dir, settings)
    out.print(f"report written: {page} (figures in {page.parent / 'figures'})", soft_wrap=True)
