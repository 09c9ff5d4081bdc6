"""One run per folder (issue 13 item 4): the lock file and the lineage key of run_stage."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from econscope.stages import (
    LOCK_NAME,
    FolderLockedError,
    LineageError,
    StageOutput,
    load_manifest,
    run_lock,
    run_stage,
)


def _copy_stage(name: str, src: Path, out: Path):
    """A stage that copies its input file into out/<name>.txt."""

    def compute(folder: Path) -> StageOutput:
        (folder / f"{name}.txt").write_text(src.read_text())
        return StageOutput(rows={name: 1}, outputs=[f"{name}.txt"])

    return run_stage(
        name,
        out,
        inputs={"src": src},
        settings={},
        params={},
        compute=compute,
        load=lambda folder, m: (folder / f"{name}.txt").read_text(),
    )


def _write_lock(folder: Path, pid: int, host: str | None = None) -> Path:
    lock = folder / LOCK_NAME
    host = host or socket.gethostname()
    lock.write_text(json.dumps({"pid": pid, "host": host, "started": "2026-01-01T00:00:00"}))
    return lock


def test_a_live_holder_is_named_and_the_second_run_refused(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        _write_lock(tmp_path, holder.pid)
        (tmp_path / "in.txt").write_text("a")
        with pytest.raises(FolderLockedError, match=rf"pid {holder.pid} on .*Hint"):
            _copy_stage("validate", tmp_path / "in.txt", tmp_path / "validated")
        assert not (tmp_path / "validated").exists()  # nothing was written
    finally:
        holder.kill()
        holder.wait()


def test_a_stale_lock_of_a_finished_process_is_taken_over(tmp_path: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # its pid is free now: the lock is stale
    _write_lock(tmp_path, gone.pid)
    (tmp_path / "in.txt").write_text("a")
    assert _copy_stage("validate", tmp_path / "in.txt", tmp_path / "validated").value == "a"
    assert not (tmp_path / LOCK_NAME).exists()  # released when the stage ended


def test_a_lock_from_another_host_is_never_taken(tmp_path: Path) -> None:
    # Its process cannot be checked from here, so it counts as held.
    _write_lock(tmp_path, 1, host="some-other-host.invalid")
    with pytest.raises(FolderLockedError, match="some-other-host"), run_lock(tmp_path):
        pass


def test_the_lock_is_reentrant_in_one_process_and_released_at_the_end(tmp_path: Path) -> None:
    with run_lock(tmp_path) as lock:
        body = json.loads(lock.read_text())
        assert body["pid"] == os.getpid() and body["host"] == socket.gethostname()
        assert body["started"]
        with run_lock(tmp_path):  # a stage inside the one-command run
            assert lock.exists()
        assert lock.exists()
    assert not lock.exists()


def test_the_lock_is_released_when_the_stage_fails(tmp_path: Path) -> None:
    def compute(folder: Path) -> StageOutput:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        run_stage(
            "x",
            tmp_path / "x",
            inputs={},
            settings={},
            params={},
            compute=compute,
            load=lambda f, m: None,
        )
    assert not (tmp_path / LOCK_NAME).exists()


def test_every_stage_carries_the_lineage_of_validate(tmp_path: Path) -> None:
    (tmp_path / "bank.txt").write_text("bank A")
    _copy_stage("validate", tmp_path / "bank.txt", tmp_path / "validated")
    _copy_stage("panel", tmp_path / "validated" / "validate.txt", tmp_path / "panel")
    root = load_manifest(tmp_path / "validated")
    assert root is not None and root.lineage
    assert load_manifest(tmp_path / "panel").lineage == root.lineage


def test_a_stage_refuses_inputs_from_two_banks(tmp_path: Path) -> None:
    for bank in ("a", "b"):
        (tmp_path / f"{bank}.txt").write_text(f"bank {bank}")
        _copy_stage("validate", tmp_path / f"{bank}.txt", tmp_path / bank / "validated")

    def compute(folder: Path) -> StageOutput:
        return StageOutput(rows={}, outputs=[])

    with pytest.raises(LineageError, match=r"different banks.*Hint"):
        run_stage(
            "report",
            tmp_path / "mixed",
            inputs={
                "results": tmp_path / "a" / "validated",
                "funnel": tmp_path / "b" / "validated" / "validate.txt",
            },
            settings={},
            params={},
            compute=compute,
            load=lambda f, m: None,
        )
