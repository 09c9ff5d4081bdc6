"""The ``econscope`` command line: parse, call the public function, print.

Exit codes: 0 success, 1 data error (one line naming the file, the column and the rule),
2 usage or configuration error. No traceback unless ``--debug``.
"""

from __future__ import annotations

import json
import sys
import warnings
from typing import Annotated

import typer

from econscope import __version__
from econscope.cli._common import ConfigOption, SetOption, console, out, settings_from
from econscope.cli.economies import app as economies_app
from econscope.cli.smallbiz import app as smallbiz_app
from econscope.errors import ConfigError, EconscopeError

app = typer.Typer(
    name="econscope",
    help="Turn raw economic data into the findings of a research report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(smallbiz_app, name="smallbiz")
app.add_typer(economies_app, name="economies")


def _version(value: bool) -> None:
    if value:
        out.print(f"econscope {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    """Turn raw economic data into the findings of a research report."""


@app.command("config")
def config_cmd(
    config: ConfigOption = None,
    set_: SetOption = None,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print a table of settings with descriptions.")
    ] = False,
) -> None:
    """Print every setting in force (defaults, then --config, then --set) as JSON."""
    settings = settings_from(config, set_)
    if markdown:
        from econscope.config import settings_markdown

        sys.stdout.write(settings_markdown(settings))
        return
    out.print_json(json.dumps(settings.to_manifest()))


@app.command("demo")
def demo_cmd(
    out_dir: Annotated[
        str, typer.Option("--out", help="Folder for the demo's data and outputs.")
    ] = "demo-output",
    firms: Annotated[int, typer.Option(help="Firms in the simulated bank.", min=10)] = 2000,
    seed: Annotated[int, typer.Option(help="Seed of the simulated bank.")] = 20230101,
) -> None:
    """Simulate a bank, run the smallbiz pipeline and the Vietnam-China study; print the reports.

    Reuses the simulated bank and every finished stage when run again with the same options.
    """
    from econscope.demo import run_demo

    result = run_demo(out_dir, firms=firms, seed=seed, console=console)
    smallbiz_report, economies_report = result.reports
    out.print(f"smallbiz report:  {smallbiz_report.resolve()}", highlight=False, soft_wrap=True)
    shown = economies_report.resolve() if economies_report else "not written"
    out.print(f"economies report: {shown}", highlight=False, soft_wrap=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``econscope`` script; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    command = typer.main.get_command(app)
    try:
        with warnings.catch_warnings():
            # Ibis 12 reads pandas' deprecated ``future.infer_string`` option on every
            # conversion; nothing a user can act on. Scoped to the command, not the process.
            warnings.filterwarnings("ignore", "The 'future.infer_string' option is deprecated")
            command.main(args=args, prog_name="econscope", standalone_mode=False)
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        console.print("aborted")
        return 130
    except typer.TyperException as exc:  # usage errors: bad option, missing argument
        exc.show()
        return 2
    except ConfigError as exc:
        if debug:
            raise
        console.print(f"[red]configuration error:[/red] {exc}", highlight=False, soft_wrap=True)
        return 2
    except EconscopeError as exc:
        if debug:
            raise
        console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
