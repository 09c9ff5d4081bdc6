"""Options and helpers shared by every command."""

from __future__ import annotations

import errno
import signal
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from econscope.config import Settings, load_settings
from econscope.errors import ConfigError

console = Console(stderr=True)
out = Console()

#: print() options for text holding paths or data: no markup ("[a]" stays), no highlighting.
PLAIN: dict[str, Any] = {"markup": False, "highlight": False, "soft_wrap": True}


def plain(text: object) -> str:
    """``text`` escaped for places that interpret Rich markup (table titles)."""
    return escape(str(text))


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that every ``finally`` (staging, lock) runs."""


@contextmanager
def terminate_on_sigterm() -> Iterator[None]:
    """While the block runs, SIGTERM raises :class:`Terminated` instead of killing."""

    def handler(signum: int, frame: object) -> None:
        raise Terminated("terminated by SIGTERM")

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def error_line(prefix: str, message: str) -> None:
    """One line on stderr: a red prefix, then the message exactly as written."""
    line = Text(prefix, style="red")
    if message:
        line.append(": " + " ".join(message.split()))
    console.print(line, highlight=False, soft_wrap=True)


_OS_HINTS = {
    errno.EACCES: "check the folder's permissions or choose another --out",
    errno.EPERM: "check the folder's permissions or choose another --out",
    errno.EROFS: "the file system is read-only: choose another --out",
    errno.ENOSPC: "the disk is full: free space or choose another --out",
    errno.EISDIR: "a folder is where a file was expected: pass the file",
    errno.ENOTDIR: "a file is where a folder was expected: pass the folder",
    errno.ENOENT: "check the path",
}


def report_error(exc: BaseException) -> int:
    """Print ``exc`` as one line with a hint; return the exit code (1, 2, 130 or 143)."""
    if isinstance(exc, KeyboardInterrupt):
        error_line("interrupted", "")
        return 130
    if isinstance(exc, Terminated):
        error_line("terminated", "staging folders and the run lock were cleaned up")
        return 143
    if isinstance(exc, OSError) and not isinstance(exc, ConfigError):
        where = exc.filename if exc.filename is not None else ""
        hint = _OS_HINTS.get(exc.errno or -1, "check the path and its permissions")
        error_line("error", f"{where}: {exc.strerror or exc}. Hint: {hint}")
        return 1
    if isinstance(exc, ConfigError):
        error_line("configuration error", str(exc))
        return 2
    error_line("error", str(exc))
    return 1


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


@contextmanager
def warnings_as_lines(target: Console | None = None) -> Iterator[list[str]]:
    """Show each warning raised inside once, as one line through the console.

    Python's default shows the file, the line number and the source line of the code that
    warned (``.../analyze.py:195: EconscopeWarning: ...`` and then the line); a command
    line user needs the message. The warning filters are left as they are (only how a
    warning is shown changes, and only inside the block); yields the lines shown.

    >>> import warnings
    >>> from rich.console import Console
    >>> quiet = Console(file=__import__("io").StringIO(), width=200)
    >>> with warnings.catch_warnings(), warnings_as_lines(quiet) as shown:
    ...     warnings.simplefilter("default")  # the test suite makes warnings errors
    ...     for _ in range(3):
    ...         warnings.warn("k is below 10", UserWarning, stacklevel=1)
    >>> shown
    ['warning: k is below 10']
    """
    target = target or console
    shown: list[str] = []

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        text = " ".join(str(message).split())
        kind = "" if issubclass(category, UserWarning) else f" ({category.__name__})"
        entry = f"warning{kind}: {text}"
        if entry not in shown:
            shown.append(entry)
            target.print(f"[yellow]{entry}[/yellow]", highlight=False, soft_wrap=True)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield shown


@contextmanager
def stage_progress(name: str, unit: str) -> Iterator[Callable[[str], None]]:
    """A progress line for one stage on the console (stderr); yields the callback that
    counts one finished unit (a table, a step, a figure) and names it.

    When the stage ends the live line is replaced by one line with the units done and
    the time, or "reused" when none had to be made; when it fails, by nothing (the error
    is the one line).
    """
    import time

    from econscope.pipeline import finished_line, progress_display

    display = progress_display(console)
    count = [0]
    start = time.perf_counter()
    with display:
        task = display.add_task(name, total=None, unit=unit, step="")

        def advance(step: str) -> None:
            count[0] += 1
            display.update(task, advance=1, step=step)

        yield advance
    # the live line vanishes (on an error too, which then stays the only line)
    seconds = time.perf_counter() - start
    console.print(finished_line(name, count[0], unit, seconds, count[0] == 0), highlight=False)
