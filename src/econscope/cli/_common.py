"""Options and helpers shared by every command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from econscope.config import Settings, load_settings

console = Console(stderr=True)
out = Console()

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="TOML file of settings (see `econscope config`).",
        exists=True,
        dir_okay=False,
    ),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        "-s",
        metavar="SECTION.FIELD=VALUE",
        help="Override one setting, e.g. --set disclosure.k=20 (repeatable).",
    ),
]


def settings_from(config: Path | None, overrides: list[str] | None) -> Settings:
    """Settings from the --config file and --set overrides."""
    return load_settings(config, overrides or ())
