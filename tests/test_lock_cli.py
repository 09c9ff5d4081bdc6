"""Two runs on one folder, and a run stopped by SIGTERM, from the command line (issue 13)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from econscope.smallbiz import simulate
from econscope.stages import LOCK_NAME

ECONSCOPE = [sys.executable, "-m", "econscope"]


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bank")
    simulate(out, firms=30, start="2019-01", end="2020-12", seed=5, progress=False)
    return out


def _wait_for(path: Path, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} did not appear within {seconds} s")
        time.sleep(0.05)


def test_a_second_run_on_the_same_folder_exits_naming_the_first(bank: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    first = subprocess.Popen(
        [*ECONSCOPE, "smallbiz", "run", str(bank), "--out", str(out), "--set", "disclosure.k=3"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(out / LOCK_NAME)
        second = subprocess.run(
            [*ECONSCOPE, "smallbiz", "run", str(bank), "--out", str(out)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert second.returncode == 1
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and f"pid {first.pid}" in lines[0] and "Hint:" in lines[0]
        assert "Traceback" not in second.stderr
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=120)


def test_sigterm_unwinds_the_run_cleaning_staging_folders_and_the_lock(
    bank: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [*ECONSCOPE, "smallbiz", "run", str(bank), "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Stop it while validate is working: its staging folder exists then.
    deadline = time.monotonic() + 120
    while not list((out / "validated").glob(".staging-*")) and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode in (143, 0), err  # 0 only if it finished before the signal
    if proc.returncode == 143:
        assert err.strip().splitlines()[-1].startswith("terminated")
        assert "Traceback" not in err
    assert not (out / LOCK_NAME).exists()
    leftovers = [p for p in out.rglob(".*") if p.name.startswith((".staging-", ".analyze-"))]
    assert leftovers == []
