"""The command line's own contract: help, version, exit codes, no traceback by default."""

from __future__ import annotations

import subprocess
import sys

import pytest

from econscope import __version__
from econscope.cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


@pytest.mark.parametrize(
    "args",
    [["--help"], ["smallbiz", "--help"], ["economies", "--help"], ["config", "--help"]],
)
def test_every_level_has_help(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 0
    assert "Usage" in capsys.readouterr().out


def test_unknown_command_is_a_usage_error() -> None:
    assert main(["no-such-command"]) == 2


def test_bad_setting_is_exit_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "--set", "disclosure.k=0"]) == 2
    err = capsys.readouterr().err.strip()
    assert "disclosure.k" in err
    assert "Traceback" not in err


def test_debug_shows_the_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "econscope", "--debug", "config", "--set", "disclosure.k=0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0
    assert "Traceback" in proc.stderr


def test_config_prints_settings_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "--set", "disclosure.k=17"]) == 0
    assert '"k": 17' in capsys.readouterr().out
