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
