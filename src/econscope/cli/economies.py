"""``econscope economies ...``: observations, indicators and studies."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Compare economies with every figure recomputed from data.",
    no_args_is_help=True,
)
