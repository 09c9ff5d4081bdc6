"""Stage manifests: what a stage read, with which settings, and what it wrote.

Every stage (validate, panel, analyze, report) writes its outputs and then a
``manifest.json`` beside them. The manifest holds the fingerprints of the inputs, the
settings and parameters, the package version, row counts and the output files. A rerun
whose inputs, settings and parameters give the same key reuses the outputs; a run that
was interrupted has no manifest (it is written last, atomically), so it runs again.

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
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from econscope.engine import atomic_path

__all__ = ["MANIFEST_NAME", "Manifest", "fingerprint", "load_manifest", "reusable"]

MANIFEST_NAME = "manifest.json"
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

    def finished(self, *, rows: Mapping[str, int], outputs: list[str]) -> Manifest:
        """A copy recording what the run wrote."""
        return Manifest(
            stage=self.stage,
            version=self.version,
            inputs=self.inputs,
            settings=self.settings,
            params=self.params,
            rows=dict(rows),
            outputs=sorted(outputs),
            created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
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
    return Manifest(**body)


def reusable(folder: str | Path, planned: Manifest) -> Manifest | None:
    """The finished manifest in ``folder`` when its key matches and its outputs all exist."""
    done = load_manifest(folder)
    if done is None or done.key != planned.key:
        return None
    if not all((Path(folder) / out).exists() for out in done.outputs):
        return None
    return done
