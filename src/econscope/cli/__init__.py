"""The ``econscope`` command line: parse, call the public function, print.

Exit codes: 0 success, 1 data error (one line naming the file, the column and the rule),
2 usage or configuration error. No traceback unless ``--debug``. Warnings are shown once
each, as one line on stderr (``warning: ...``); long stages show a progress line.
"""

from __future__ import annotations

import json
import sys
import warnings
from typing import Annotated

import typer

from econscope import __version__
from econscope.cli._common import (
    PLAIN,
    ConfigOption,
    SetOption,
    Terminated,
    console,
    error_line,
    out,
    report_error,
    settings_from,
    terminate_on_sigterm,
    warnings_as_lines,
)
from econscope.cli.economies import app as economies_app
from econscope.cli.smallbiz import app as smallbiz_app
from econscope.errors import EconscopeError

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
    out.print(f"smallbiz report:  {smallbiz_report.resolve()}", **PLAIN)
    shown = economies_report.resolve() if economies_report else "not written"
    out.print(f"economies report: {shown}", **PLAIN)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``econscope`` script; returns the exit code.

    The one error handler of every command: an :class:`EconscopeError` or an operating
    system error (permission denied, a folder where a file was expected) is one line
    with a hint, exit 1 (2 for configuration errors); SIGTERM and Ctrl-C unwind the stack
    (staging folders and the run lock are cleaned on the way) and exit 143 / 130.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    command = typer.main.get_command(app)
    with terminate_on_sigterm():
        try:
            with warnings.catch_warnings(), warnings_as_lines(console):
                # Ibis 12 reads pandas' deprecated ``future.infer_string`` option on every
                # conversion; nothing a user can act on. Scoped to the command, not the process.
                warnings.filterwarnings("ignore", "The 'future.infer_string' option is deprecated")
                # PySpark 4.3 says it "does not yet fully support pandas >= 3.0.0"; econscope's
                # Spark backend moves data as Arrow, never through pandas (docs/spark.md).
                warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas")
                command.main(args=args, prog_name="econscope", standalone_mode=False)
        except typer.Exit as exc:
            return exc.exit_code
        except typer.Abort:
            error_line("aborted", "")
            return 130
        except typer.TyperException as exc:  # usage errors: bad option, missing argument
            ctx = getattr(exc, "ctx", None)
            where = ctx.command_path if ctx is not None else "econscope"
            message = exc.format_message().rstrip(".")
            error_line("usage error", f"{message}. Hint: see `{where} --help`")
            return 2
        except (EconscopeError, OSError, KeyboardInterrupt, Terminated) as exc:
            if debug:
                raise
            return report_error(exc)
        except Exception as exc:  # a bug: still one line, the traceback behind --debug
            if debug:
                raise
            error_line(
                "internal error",
                f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}. "
                "Hint: this is a bug in econscope; rerun with --debug and report the traceback",
            )
            return 70
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
