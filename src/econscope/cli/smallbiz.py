"""``econscope smallbiz ...``: small businesses' use of credit cards, from bank data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from econscope.cli._common import (
    PLAIN,
    ConfigOption,
    SetOption,
    console,
    out,
    plain,
    settings_from,
    stage_progress,
)

app = typer.Typer(
    help="Small businesses' use of credit cards for cash flow management, from bank data.",
    no_args_is_help=True,
)


DepositsOnlyOption = Annotated[
    bool,
    typer.Option(
        "--deposits-only",
        help="Deposit-only panel: one row per firm and calendar month with the deposit "
        "measures (automatic when there are no card tables); sets sample.deposits_only.",
    ),
]


def _with_deposits_only(overrides: list[str] | None, deposits_only: bool) -> list[str]:
    return [*(overrides or []), *(["sample.deposits_only=true"] if deposits_only else [])]


# -- validate (the input contract) -----------------------------------------------------


@app.command("validate")
def validate_cmd(
    data_dir: Annotated[
        Path,
        typer.Argument(
            help="Folder of input tables (<table>.parquet, <table>.csv or <table>/ parts).",
            exists=True,
            file_okay=False,
        ),
    ],
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out", help="Folder for accepted tables and the quarantine (a run's validated/)."
        ),
    ],
    config: ConfigOption = None,
    set_: SetOption = None,
) -> None:
    """Check input tables against the contract: accepted tables, quarantine, accounting."""
    from rich.table import Table

    from econscope.smallbiz.validation import validate

    settings = settings_from(config, set_)
    with stage_progress("validate", "tables") as advance:
        result = validate(data_dir, out_dir, settings, progress=advance)
    title = f"validated into {plain(result.out_dir)}" + (" (reused)" if result.reused else "")
    table = Table(title=title)
    for column in ("table", "rows_in", "rows_accepted", "rows_quarantined"):
        table.add_column(column, justify="left" if column == "table" else "right")
    for row in result.accounting.itertuples():
        table.add_row(
            row.table, f"{row.rows_in:,}", f"{row.rows_accepted:,}", f"{row.rows_quarantined:,}"
        )
    out.print(table)
    for row in result.quarantine_summary.itertuples():
        out.print(f"quarantined {row.table}: {row.rows:,} {row.reason}", **PLAIN)
    for note in result.notes:
        out.print(f"note: {note}", **PLAIN)
    verdict = "holds for every table" if result.identity_holds else "BROKEN"
    out.print(f"rows_in == rows_accepted + rows_quarantined: {verdict}", highlight=False)


# -- map (a bank's own extract -> the contract) ------------------------------------------


@app.command("map")
def map_cmd(
    raw_dir: Annotated[
        Path,
        typer.Argument(help="The bank's extract (delimited files).", exists=True, file_okay=False),
    ],
    mapping: Annotated[
        str,
        typer.Option(
            "--mapping",
            "-m",
            help="Mapping file (TOML; docs/own-bank.md), or the name of a bundled one: berka.",
        ),
    ],
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the contract tables (validate's input).")
    ],
) -> None:
    """Turn a bank's extract into the input contract: renames, code rules, signs, formats."""
    from econscope.smallbiz.map import bundled_mapping, map_extract

    path = Path(mapping)
    if not path.exists() and "/" not in mapping and not mapping.endswith(".toml"):
        path = bundled_mapping(mapping)
    result = map_extract(raw_dir, path, out_dir)
    verb = "reused" if result.reused else "wrote"
    out.print(f"{verb} the contract tables in {result.out_dir}", **PLAIN)
    for r in result.report.itertuples():
        extra = f", {r.rows_combined:,} combined into end-of-day rows" if r.rows_combined else ""
        out.print(
            f"  {r.table:<22} {r.rows_out:>10,} rows from {r.file} ({r.rows_unreadable:,} "
            f"unreadable{extra}; {r.rows_unmapped:,} with an unmapped code)",
            highlight=False,
        )
    for u in result.unmapped.itertuples():
        out.print(
            f"  unmapped {u.what} of {u.table}: {u.code!r} ({u.rows:,} rows)", highlight=False
        )
    if result.rows_unmapped:
        console.print(
            f"warning: {result.rows_unmapped:,} rows have a code no rule maps; validate will "
            "quarantine them (unknown_category / bad_amount). Add rules to the mapping.",
            highlight=False,
        )
    if result.settings_file is not None:
        out.print(
            f"the bank's settings: {result.settings_file} (pass it to the next commands with "
            f"--config {result.settings_file})",
            highlight=False,
        )


@app.command("simulate")
def simulate_cmd(
    out: Annotated[Path, typer.Option("--out", help="Folder the bank's tables are written to.")],
    firms: Annotated[int, typer.Option("--firms", min=1, help="Number of firms.")] = 2000,
    start: Annotated[str, typer.Option("--start", help="First month, YYYY-MM.")] = "2010-01",
    end: Annotated[str, typer.Option("--end", help="Last month, YYYY-MM.")] = "2023-01",
    seed: Annotated[
        int, typer.Option("--seed", help="Seed: the same seed writes the same files.")
    ] = 20230101,
    faults: Annotated[
        float,
        typer.Option("--faults", help="Share of rows per fault class to inject (writes CSV)."),
    ] = 0.0,
    chunk_firms: Annotated[
        int, typer.Option("--chunk-firms", min=1, help="Firms simulated per chunk (memory).")
    ] = 2000,
    no_balances: Annotated[
        bool, typer.Option("--no-balances", help="Do not write deposit_balances.")
    ] = False,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="No progress bar.")] = False,
) -> None:
    """Write a calibrated synthetic bank: the seven contract tables plus the truth table."""
    from econscope.smallbiz.sim.simulate import simulate

    result = simulate(
        out,
        firms=firms,
        start=start,
        end=end,
        seed=seed,
        faults=faults,
        chunk_firms=chunk_firms,
        balances=not no_balances,
        progress=not no_progress,
    )
    for table, rows in result.rows.items():
        console.print(f"{table:<22} {rows:>12,} rows  {result.paths[table]}", **PLAIN)


# --- panel (owned by the panel stage) -------------------------------------------------
@app.command("panel")
def panel_cmd(
    data_dir: Annotated[Path, typer.Argument(help="Validated folder (<table>.parquet).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the panel outputs.")],
    config: ConfigOption = None,
    set_: SetOption = None,
    deposits_only: DepositsOnlyOption = False,
) -> None:
    """Build the firm-by-billing-cycle panel (panel.parquet, firm_years, funnel, manifest)."""
    from econscope.smallbiz.panel import build_panel

    settings = settings_from(config, _with_deposits_only(set_, deposits_only))
    with stage_progress("panel", "steps") as advance:
        result = build_panel(data_dir, out_dir, settings, progress=advance)
    verb = "reused" if result.reused else "wrote"
    rows = result.rows
    unit = "firm-months" if result.manifest.params.get("deposits_only") else "firm-cycles"
    in_panel = rows.get("panel_firms", rows["sample_firms"])
    out.print(
        f"{verb} {result.panel_path} ({rows['panel']:,} {unit} of {in_panel:,} firms; "
        f"{rows['sample_firms']:,} firms passed the sample filters"
        + (
            f", {rows['sample_firms'] - in_panel:,} of them without a card statement yet)"
            if rows["sample_firms"] != in_panel
            else ")"
        ),
        **PLAIN,
    )
    for row in result.funnel.itertuples():
        out.print(
            f"  {row.step}. {row.filter}: firms {row.firms_before:,} -> {row.firms_after:,}, "
            f"rows {row.rows_before:,} -> {row.rows_after:,}",
            **PLAIN,
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
    import pandas as pd

    from econscope.report.tables import regression_table
    from econscope.smallbiz.analysis import analyze
    from econscope.smallbiz.tables import money_unit

    settings = settings_from(config, set_)
    result = analyze(panel_dir, out_dir, settings)
    if result.models.empty:
        out.print(_NO_MODELS, highlight=False)
    else:
        table = regression_table(
            result.models, result.models_fit, k=settings.disclosure.k, settings=settings
        )
        title = f"Revolving (0/1) per firm-cycle; money in thousands of {money_unit(settings)}"
        out.print(table.to_rich(title=title))
    suppressed = sum(int(df["suppressed"].sum()) for df in result.tables.values())
    verb = "reused" if result.reused else "written"
    out.print(
        f"{len(result.files)} result files {verb} in {result.out_dir} "
        f"({suppressed} cells suppressed at k = {settings.disclosure.k})",
        **PLAIN,
    )
    notes = result.out_dir / "notes.csv"
    if notes.is_file():  # what the analysis decided for this data (the report shows it too)
        for note in pd.read_csv(notes, dtype=str, keep_default_na=False)["note"]:
            out.print(f"note: {note}", highlight=False)


_NO_MODELS = (
    "models: none published (a deposit-only run has no revolving to model, or every "
    "model had fewer than k firms; see results/notes.csv and results/models_fit.csv)"
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
    from econscope.report.smallbiz import render_report

    settings = settings_from(config, set_) if config or set_ else None
    with stage_progress("report", "figures") as advance:
        page = render_report(run_dir, settings, progress=advance).path
    out.print(f"report written: {page} (figures in {page.parent / 'figures'})", **PLAIN)


# --- compare (the run against the published report) ------------------------------------
@app.command("compare")
def compare_cmd(
    run_dir: Annotated[
        Path,
        typer.Argument(help="Run folder holding results/ (or a results folder itself)."),
    ],
) -> None:
    """Compare a run's result tables with the report's published figures (fidelity.csv)."""
    from rich.table import Table

    from econscope.smallbiz.results.fidelity import write_fidelity

    path, frame = write_fidelity(run_dir)
    table = Table(title=f"{run_dir}: this run against the published report")
    for column in ("figure", "target", "published", "this run", "within"):
        table.add_column(column, justify="right" if column == "this run" else "left")
    for row in frame.itertuples(index=False):
        value = row.reproduced
        if _isna(value):
            shown = "n/a"
        elif row.kind == "finding":
            shown = "holds" if value else "does not hold"
        else:
            shown = f"{value:.1%}" if row.unit == "share" else f"{value:,.1f}"
        verdict = "n/a" if _isna(row.within) else ("yes" if row.within else "NO")
        table.add_row(row.figure, row.what, str(row.report), shown, verdict)
    out.print(table)
    numbers = frame[frame.kind == "number"]
    findings = frame[frame.kind == "finding"]
    out.print(
        f"{int(numbers.within.fillna(False).sum())} of {len(numbers)} numbers within "
        f"tolerance; {int(findings.within.fillna(False).sum())} of {len(findings)} findings "
        f"hold. Written: {path}",
        highlight=False,
        soft_wrap=True,
    )


@app.command("calibrate")
def calibrate_cmd(
    out: Annotated[Path, typer.Option("--out", help="Folder for calibration.json.")],
    params: Annotated[
        str,
        typer.Option(
            "--params",
            help="Comma-separated float fields of Calibration to fit, e.g. "
            "revolve_intercept,revolve_firm_sd.",
        ),
    ] = "revolve_intercept,revolve_firm_sd,revolve_state_dependence",
    firms: Annotated[int, typer.Option("--firms", min=1, help="Firms per evaluation.")] = 2000,
    seeds: Annotated[
        str, typer.Option("--seeds", help="Comma-separated seeds (common random numbers).")
    ] = "1",
    max_evaluations: Annotated[
        int, typer.Option("--max-evaluations", min=1, help="Budget (each is a full run).")
    ] = 20,
) -> None:
    """Fit Calibration fields to the report's targets (simulated moments, Nelder-Mead)."""
    from econscope.smallbiz.sim.calibrate import calibrate, pipeline_objective

    names = [p.strip() for p in params.split(",") if p.strip()]
    objective = pipeline_objective(firms=firms, seeds=[int(s) for s in seeds.split(",")])
    res = calibrate(names, objective=objective, max_evaluations=max_evaluations, out_dir=out)
    for name, value in res.params.items():
        console.print(f"{name} = {value:.6g}", highlight=False)
    console.print(
        f"distance {res.start_distance:.2f} -> {res.distance:.2f} after {res.evaluations} "
        f"evaluations; written: {out / 'calibration.json'}",
        highlight=False,
        soft_wrap=True,
    )


def _isna(value: object) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


# --- run (the one command) ------------------------------------------------------------
@app.command("run")
def run_cmd(
    data_dir: Annotated[
        Path,
        typer.Argument(
            help="Folder of input tables (<table>.parquet, <table>.csv or <table>/ parts).",
            exists=True,
            file_okay=False,
        ),
    ],
    out_dir: Annotated[
        Path, typer.Option("--out", help="Run folder: validated/, panel/, results/, figures/.")
    ],
    config: ConfigOption = None,
    set_: SetOption = None,
    deposits_only: DepositsOnlyOption = False,
) -> None:
    """Run validate -> panel -> analyze -> report; reuse finished stages; print a summary."""
    from rich.table import Table

    from econscope.pipeline import run
    from econscope.smallbiz.tables import MODEL_LABELS

    settings = settings_from(config, _with_deposits_only(set_, deposits_only))
    result = run(data_dir, out_dir, settings, console=console)
    table = Table(title=f"econscope smallbiz run: {plain(out_dir)}")
    for column in ("stage", "seconds", "reused"):
        table.add_column(column, justify="left" if column == "stage" else "right")
    for row in result.stage_times().itertuples():
        table.add_row(row.stage, f"{row.seconds:.1f}", "yes" if row.reused else "no")
    out.print(table)
    fit = result.models_fit
    if result.models.empty:
        out.print(_NO_MODELS, highlight=False)
    for row in fit.itertuples() if not result.models.empty else ():
        name = MODEL_LABELS.get(str(row.model), str(row.model))
        out.print(f"{name}: {row.n_obs:,} firm-cycles, {row.n_firms:,} firms", highlight=False)
    quarantined = int(result.accounting.rows_quarantined.sum())
    out.print(f"rows quarantined: {quarantined:,} (see validated/quarantine/)", highlight=False)
    out.print(f"report: {result.report_path.resolve()}", **PLAIN)
