"""One way to run a stage: manifests, reuse, resume.

Every stage of both suites (smallbiz validate, panel, analyze, report; economies load and
study) is a ``compute`` function handed to :func:`run_stage`, which fingerprints the inputs,
reuses a finished run with the same key, otherwise clears the old manifest, computes, and
writes a ``manifest.json`` beside the outputs last.

The manifest holds the fingerprints of the inputs, the settings and
parameters, the package version, row counts and the output files. A rerun whose inputs,
settings and parameters give the same key reuses the outputs; a run that was interrupted
has no manifest (it is written last, atomically), so it runs again.

A long stage can be cut into resumable :class:`Unit` s (the panel's firm buckets): each
finished unit is recorded in ``manifest.units.json`` under the stage's key, so a stage
killed during unit 37 of 64 resumes at unit 37 when it is run again with the same key; the
finished manifest lists the units and what each wrote.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.csv").write_text("x\\n1\\n")
>>> m = Manifest.build("demo", inputs={"a": d / "a.csv"}, settings={}, params={})
>>> m.key == Manifest.build("demo", inputs={"a": d / "a.csv"}, settings={}, params={}).key
True
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Generic, TypeVar

from econscope.engine import atomic_path
from econscope.errors import StageError

__all__ = [
    "LOCK_NAME",
    "MANIFEST_NAME",
    "UNITS_NAME",
    "FolderLockedError",
    "LineageError",
    "Manifest",
    "MissingInputError",
    "StageOutput",
    "StageResult",
    "Unit",
    "fingerprint",
    "load_manifest",
    "reusable",
    "run_lock",
    "run_stage",
]

T = TypeVar("T")

MANIFEST_NAME = "manifest.json"
LOCK_NAME = ".econscope.lock"
UNITS_NAME = "manifest.units.json"
_CHUNK = 1 << 20


def _version() -> str:
    from econscope import __version__

    return __version__


def fingerprint(path: str | Path) -> str:
    """SHA-256 of a file's bytes, or of every file below a folder (names and bytes, sorted)."""
    path = Path(path)
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for f in files:
        if f.name == MANIFEST_NAME or f.name.startswith("."):
            continue
        digest.update(str(f.relative_to(path) if path.is_dir() else f.name).encode())
        with f.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
    return digest.hexdigest()


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, default=str, separators=(",", ":"))


@dataclass(frozen=True)
class Manifest:
    """The record of one stage run. ``key`` identifies inputs + settings + params + version."""

    stage: str
    version: str
    inputs: dict[str, str]
    settings: dict[str, Any]
    params: dict[str, Any]
    rows: dict[str, int] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    created: str = ""
    lineage: str = ""
    units: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        stage: str,
        *,
        inputs: Mapping[str, str | Path],
        settings: Mapping[str, Any],
        params: Mapping[str, Any],
    ) -> Manifest:
        """A manifest for a stage about to run; inputs are fingerprinted now."""
        return cls(
            stage=stage,
            version=_version(),
            inputs={name: fingerprint(p) for name, p in sorted(inputs.items())},
            settings=dict(settings),
            params=dict(params),
        )

    @property
    def key(self) -> str:
        """Hash of what decides the outputs (not of when or how many rows)."""
        payload = _canonical([self.stage, self.version, self.inputs, self.settings, self.params])
        return hashlib.sha256(payload.encode()).hexdigest()

    def finished(
        self,
        *,
        rows: Mapping[str, int],
        outputs: list[str],
        units: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Manifest:
        """A copy recording what the run wrote (and, for a stage cut into units, each unit)."""
        return Manifest(
            stage=self.stage,
            version=self.version,
            inputs=self.inputs,
            settings=self.settings,
            params=self.params,
            rows=dict(rows),
            outputs=sorted(outputs),
            created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            lineage=self.lineage,
            units={name: dict(entry) for name, entry in (units or {}).items()},
        )

    def write(self, folder: str | Path) -> Path:
        """Write ``manifest.json`` into ``folder`` atomically (the last step of a stage)."""
        target = Path(folder) / MANIFEST_NAME
        body = asdict(self) | {"key": self.key}
        with atomic_path(target) as tmp:
            tmp.write_text(json.dumps(body, indent=2, sort_keys=True, default=str) + "\n")
        return target


def load_manifest(folder: str | Path) -> Manifest | None:
    """The manifest in ``folder``, or None when there is none (never ran, or interrupted)."""
    target = Path(folder) / MANIFEST_NAME
    if not target.is_file():
        return None
    body = json.loads(target.read_text())
    body.pop("key", None)
    known = set(Manifest.__dataclass_fields__)
    return Manifest(**{k: v for k, v in body.items() if k in known})


def reusable(folder: str | Path, planned: Manifest) -> Manifest | None:
    """The finished manifest in ``folder`` when its key matches and its outputs all exist."""
    done = load_manifest(folder)
    if done is None or done.key != planned.key:
        return None
    if not all((Path(folder) / out).exists() for out in done.outputs):
        return None
    return done


class MissingInputError(StageError, FileNotFoundError):
    """A stage's input is missing; the message names the command that produces it."""


@dataclass(frozen=True)
class StageOutput:
    """What a stage's compute function wrote: row counts and files relative to ``out_dir``."""

    rows: Mapping[str, int]
    outputs: Sequence[str]


@dataclass(frozen=True)
class Unit:
    """One resumable piece of a stage (a firm bucket of the panel).

    ``compute(out_dir)`` writes the unit's files atomically and says what it wrote; the
    files must be its own (no two units write the same file).
    """

    name: str
    compute: Callable[[Path], StageOutput]


def _unit_entry(written: StageOutput, seconds: float) -> dict[str, Any]:
    return {
        "rows": dict(written.rows),
        "outputs": sorted(written.outputs),
        "seconds": round(seconds, 3),
    }


def _remove(out: Path, names: Sequence[str]) -> None:
    for name in names:
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def _finished_units(out: Path, key: str, old: Manifest | None) -> dict[str, dict[str, Any]]:
    """Units of an interrupted run with this ``key`` whose files are all there.

    The files of units recorded under another key (an older run, other settings) are
    removed, so that no stale piece can be mistaken for one of this run.
    """
    target = out / UNITS_NAME
    body = json.loads(target.read_text()) if target.is_file() else {"key": None, "units": {}}
    stale = list(old.units.values()) if old is not None else []
    if body["key"] != key:
        stale += list(body["units"].values())
        body = {"key": key, "units": {}}
    _remove(out, sorted({o for e in stale for o in e["outputs"]}))
    return {
        name: entry
        for name, entry in body["units"].items()
        if all((out / o).exists() for o in entry["outputs"])
    }


def _record_units(out: Path, key: str, units: Mapping[str, Mapping[str, Any]]) -> None:
    with atomic_path(out / UNITS_NAME) as tmp:
        tmp.write_text(json.dumps({"key": key, "units": units}, indent=2, sort_keys=True) + "\n")


@dataclass(frozen=True)
class StageResult(Generic[T]):
    """The value of a stage run, with its manifest, whether it was reused, and its time."""

    name: str
    value: T
    manifest: Manifest
    reused: bool
    seconds: float


def run_stage(
    name: str,
    out_dir: str | Path,
    *,
    inputs: Mapping[str, str | Path],
    settings: Mapping[str, Any],
    params: Mapping[str, Any],
    compute: Callable[[Path], StageOutput],
    load: Callable[[Path, Manifest], T],
    requires: Mapping[str, str] | None = None,
    units: Sequence[Unit] = (),
) -> StageResult[T]:
    """Run stage ``name`` into ``out_dir``, or reuse a finished run with the same key.

    ``requires`` maps an input name to the command that produces it: a missing input raises
    :class:`MissingInputError` naming that command. ``compute(out_dir)`` writes the outputs
    (atomically) and says what it wrote; the manifest is written after it, so an interrupted
    stage has none and runs again. ``load(out_dir, manifest)`` builds the value from the
    files, for a fresh run and a reused one alike, so both give the same result.

    ``units`` cut the work into resumable pieces run in order before ``compute`` (which
    then combines their files): each finished unit is recorded in ``manifest.units.json``
    under the stage's key, so a rerun after an interruption skips the units already done
    and resumes at the first unfinished one. The manifest lists every unit's rows, files
    and seconds.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> def compute(out):
    ...     _ = (out / "x.txt").write_text("1")
    ...     return StageOutput(rows={"x": 1}, outputs=["x.txt"])
    >>> def load(out, manifest):
    ...     return (out / "x.txt").read_text()
    >>> first = run_stage("demo", d / "out", inputs={}, settings={}, params={},
    ...                   compute=compute, load=load)
    >>> again = run_stage("demo", d / "out", inputs={}, settings={}, params={},
    ...                   compute=compute, load=load)
    >>> (first.value, first.reused, again.reused)
    ('1', False, True)
    >>> run_stage("demo", d / "b", inputs={"panel": d / "none"}, settings={}, params={},
    ...           compute=compute, load=load, requires={"panel": "econscope smallbiz panel"})
    Traceback (most recent call last):
    ...
    econscope.stages.MissingInputError: demo: input 'panel' is missing (...none). Hint: ...
    """
    started = time.perf_counter()
    for key, command in (requires or {}).items():
        path = Path(inputs[key])
        if not path.exists():
            raise MissingInputError(
                f"{name}: input {key!r} is missing ({path}). Hint: run `{command}` first"
            )
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    with run_lock(out.parent):
        planned = Manifest.build(name, inputs=inputs, settings=settings, params=params)
        planned = replace(planned, lineage=lineage(name, inputs, planned))
        done = reusable(out, planned)
        if done is not None:
            return StageResult(name, load(out, done), done, True, time.perf_counter() - started)
        out.mkdir(parents=True, exist_ok=True)
        old = load_manifest(out)
        (out / MANIFEST_NAME).unlink(missing_ok=True)  # the outputs below are about to change
        ran = _finished_units(out, planned.key, old) if units else {}
        for unit in units:
            if unit.name in ran:
                continue
            unit_started = time.perf_counter()
            ran[unit.name] = _unit_entry(unit.compute(out), time.perf_counter() - unit_started)
            _record_units(out, planned.key, ran)
        written = compute(out)
        manifest = planned.finished(
            rows=written.rows,
            outputs=list(written.outputs),
            units={u.name: ran[u.name] for u in units},
        )
        manifest.write(out)
        (out / UNITS_NAME).unlink(missing_ok=True)  # the manifest now records the units
        value = load(out, manifest)
    return StageResult(name, value, manifest, False, time.perf_counter() - started)


# -- lineage: every input of a stage comes from the same bank ---------------------------------


class LineageError(StageError):
    """A stage's inputs come from runs of different banks (or different validations)."""


def _input_manifest(path: Path) -> Manifest | None:
    # A stage folder holds its manifest; a table inside one (a file, or a folder of part
    # files as Spark writes validated/firms.parquet/) has it in the folder above.
    for folder in ([path] if path.is_dir() else []) + [path.parent]:
        if not (folder / MANIFEST_NAME).is_file():
            continue
        try:
            return load_manifest(folder)
        except (OSError, ValueError, TypeError):
            return None
    return None


def lineage(name: str, inputs: Mapping[str, str | Path], planned: Manifest) -> str:
    """The bank a stage's outputs derive from.

    A stage whose inputs carry no manifest (``validate`` reading a bank's tables) starts a
    lineage: the hash of its input fingerprints. Every other stage inherits the lineage of
    its inputs' manifests, which must all agree; otherwise :class:`LineageError`, naming
    the inputs, because a report of one bank's results with another bank's funnel would be
    wrong without any error.
    """
    found: dict[str, str] = {}
    for key, p in sorted(inputs.items()):
        m = _input_manifest(Path(p))
        if m is not None and m.lineage:
            found[key] = m.lineage
    if not found:
        return hashlib.sha256(_canonical(planned.inputs).encode()).hexdigest()[:16]
    if len(set(found.values())) > 1:
        detail = ", ".join(f"{k} from bank {v[:8]}" for k, v in found.items())
        raise LineageError(
            f"{name}: its inputs come from different banks ({detail}). Hint: rerun the "
            "earlier stages into this folder (econscope smallbiz run DATA OUT), or give each "
            "bank its own output folder"
        )
    return next(iter(found.values()))


# -- the lock: one run per folder ------------------------------------------------------------


class FolderLockedError(StageError):
    """Another econscope process is running in the same output folder."""


_HELD: dict[Path, int] = {}
_HELD_GUARD = threading.Lock()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _holder(lock: Path) -> dict[str, Any] | None:
    try:
        return dict(json.loads(lock.read_text()))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}  # being written, or damaged: treated as held, never silently taken


def _try_create(lock: Path) -> bool:
    body = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    try:
        fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as fh:
        fh.write(json.dumps(body) + "\n")
    return True


def _acquire(folder: Path) -> None:
    lock = folder / LOCK_NAME
    for _ in range(3):
        if _try_create(lock):
            return
        holder = _holder(lock)
        if holder is None:
            continue  # released meanwhile: try again
        same_host = holder.get("host") == socket.gethostname()
        pid = holder.get("pid")
        if same_host and isinstance(pid, int) and not _alive(pid):
            lock.unlink(missing_ok=True)  # stale: its process is gone
            continue
        who = (
            f"pid {pid} on {holder.get('host')}, started {holder.get('started')}"
            if holder
            else "a process whose lock file is unreadable"
        )
        raise FolderLockedError(
            f"{folder} is in use by another econscope run ({who}). Hint: wait for it to "
            f"finish or use another output folder; if that process is gone, delete {lock}"
        )
    raise FolderLockedError(
        f"{folder}: could not take the lock {lock}. Hint: another run keeps starting there"
    )


@contextmanager
def run_lock(folder: str | Path) -> Iterator[Path]:
    """Hold ``folder/.econscope.lock`` (pid, host, start time) while the block runs.

    Re-entrant within one process (the one-command run holds it around its stages, each
    stage takes it again). A lock whose process is gone (same host) is stale and taken
    over; a live holder raises :class:`FolderLockedError` naming it.
    """
    folder = Path(folder).resolve()
    with _HELD_GUARD:
        depth = _HELD.get(folder, 0)
        if depth == 0:
            _acquire(folder)
        _HELD[folder] = depth + 1
    try:
        yield folder / LOCK_NAME
    finally:
        with _HELD_GUARD:
            _HELD[folder] -= 1
            if _HELD[folder] == 0:
                del _HELD[folder]
                (folder / LOCK_NAME).unlink(missing_ok=True)
