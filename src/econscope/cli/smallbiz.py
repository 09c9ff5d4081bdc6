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

    from econscope.smallbiz.validate import validate

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
