"""``econscope smallbiz ...``: small businesses' use of credit cards, from bank data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from econscope.cli._common import ConfigOption, SetOption, console, out, settings_from

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

    result = validate(data_dir, out_dir, settings_from(config, set_))
    table = Table(title=f"validated into {result.out_dir}" + (" (reused)" if result.reused else ""))
    for column in ("table", "rows_in", "rows_accepted", "rows_quarantined"):
        table.add_column(column, justify="left" if column == "table" else "right")
    for row in result.accounting.itertuples():
        table.add_row(
            row.table, f"{row.rows_in:,}", f"{row.rows_accepted:,}", f"{row.rows_quarantined:,}"
        )
    out.print(table)
    for row in result.quarantine_summary.itertuples():
        out.print(f"quarantined {row.table}: {row.rows:,} {row.reason}", highlight=False)
    for note in result.notes:
        out.print(f"note: {note}", highlight=False)
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
    out.print(f"{verb} the contract tables in {result.out_dir}", highlight=False)
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
        console.print(f"{table:<22} {rows:>12,} rows  {result.paths[table]}", highlight=False)


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
    result = build_panel(data_dir, out_dir, settings)
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
        )
    )
    for row in result.funnel.itertuples():
        out.print(
            f"  {row.step}. {row.filter}: firms {row.firms_before:,} -> {row.firms_after:,}, "
            f"rows {row.rows_before:,} -> {row.rows_after:,}"
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
    from econscope.smallbiz.analysis import analyze
    from econscope.smallbiz.tables import money_unit

    settings = settings_from(config, set_)
    result = analyze(panel_dir, out_dir, settings)
    if result.models.empty:
        out.print(_NO_MODELS, highlight=False)
    else:
        out.print(regression_table(result.models, result.models_fit, money_unit(settings)))
    suppressed = sum(int(df["suppressed"].sum()) for df in result.tables.values())
    verb = "reused" if result.reused else "written"
    out.print(
        f"{len(result.files)} result files {verb} in {result.out_dir} "
        f"({suppressed} cells suppressed at k = {settings.disclosure.k})"
    )


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
    page = render_report(run_dir, settings).path
    out.print(f"report written: {page} (figures in {page.parent / 'figures'})", soft_wrap=True)


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

    settings = settings_from(config, _with_deposits_only(set_, deposits_only))
    result = run(data_dir, out_dir, settings, console=console)
    table = Table(title=f"econscope smallbiz run: {out_dir}")
    for column in ("stage", "seconds", "reused"):
        table.add_column(column, justify="left" if column == "stage" else "right")
    for row in result.summary().itertuples():
        table.add_row(row.stage, f"{row.seconds:.1f}", "yes" if row.reused else "no")
    out.print(table)
    fit = result.models_fit
    if result.models.empty:
        out.print(_NO_MODELS, highlight=False)
    for row in fit.itertuples() if not result.models.empty else ():
        out.print(f"{row.model}: {row.n_obs:,} firm-cycles, {row.n_firms:,} firms", highlight=False)
    quarantined = int(result.accounting.rows_quarantined.sum())
    out.print(f"rows quarantined: {quarantined:,} (see validated/quarantine/)", highlight=False)
    out.print(f"report: {result.report_path.resolve()}", highlight=False, soft_wrap=True)
