"""``econscope smallbiz ...``: small businesses' use of credit cards, from bank data."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Small businesses' use of credit cards for cash flow management, from bank data.",
    no_args_is_help=True,
)
