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
    from econscope.smallbiz.simulate import simulate

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
) -> None:
    """Build the firm-by-billing-cycle panel (panel.parquet, firm_years, funnel, manifest)."""
    from econscope.smallbiz.panel import build_panel

    result = build_panel(data_dir, out_dir, settings_from(config, set_))
    verb = "reused" if result.reused else "wrote"
    rows = result.rows
    out.print(
        f"{verb} {result.panel_path} ({rows['panel']:,} firm-cycles, "
        f"{rows['sample_firms']:,} firms in the sample)"
    )
    for row in result.funnel.itertuples():
        out.print(
            f"  {row.step}. {row.filter}: firms {row.firms_before:,} -> {row.firms_after:,}, "
            f"statements {row.rows_before:,} -> {row.rows_after:,}"
        )
