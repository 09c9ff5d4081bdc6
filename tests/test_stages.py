"""Stage manifests: fingerprints, keys, reuse, and interrupted runs."""

from __future__ import annotations

import json
from pathlib import Path

from econscope.stages import Manifest, fingerprint, load_manifest, reusable


def _inputs(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.csv").write_text("x\n1\n")
    return {"a": tmp_path / "in" / "a.csv"}


def test_fingerprint_follows_content_not_time(tmp_path: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_text("x\n1\n")
    first = fingerprint(f)
    f.write_text("x\n1\n")
    assert fingerprint(f) == first
    f.write_text("x\n2\n")
    assert fingerprint(f) != first


def test_folder_fingerprint_covers_every_file(tmp_path: Path) -> None:
    (tmp_path / "p1.parquet").write_bytes(b"1")
    before = fingerprint(tmp_path)
    (tmp_path / "p2.parquet").write_bytes(b"2")
    assert fingerprint(tmp_path) != before


def test_key_changes_with_settings_and_params(tmp_path: Path) -> None:
    inputs = _inputs(tmp_path)
    base = Manifest.build("s", inputs=inputs, settings={"k": 10}, params={})
    assert base.key == Manifest.build("s", inputs=inputs, settings={"k": 10}, params={}).key
    assert base.key != Manifest.build("s", inputs=inputs, settings={"k": 11}, params={}).key
    assert base.key != Manifest.build("s", inputs=inputs, settings={"k": 10}, params={"p": 1}).key


def test_finished_manifest_is_reused_until_an_output_disappears(tmp_path: Path) -> None:
    inputs = _inputs(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "t.parquet").write_bytes(b"data")
    planned = Manifest.build("s", inputs=inputs, settings={}, params={})
    planned.finished(rows={"t": 1}, outputs=["t.parquet"]).write(out)
    done = reusable(out, planned)
    assert done is not None and done.rows == {"t": 1}
    (out / "t.parquet").unlink()
    assert reusable(out, planned) is None


def test_changed_input_is_not_reused(tmp_path: Path) -> None:
    inputs = _inputs(tmp_path)
    out = tmp_path / "out"
    Manifest.build("s", inputs=inputs, settings={}, params={}).finished(rows={}, outputs=[]).write(
        out
    )
    inputs["a"].write_text("x\n99\n")
    assert reusable(out, Manifest.build("s", inputs=inputs, settings={}, params={})) is None


def test_interrupted_stage_has_no_manifest(tmp_path: Path) -> None:
    assert load_manifest(tmp_path) is None


def test_manifest_file_records_key_version_and_rows(tmp_path: Path) -> None:
    m = Manifest.build("s", inputs=_inputs(tmp_path), settings={"a": 1}, params={})
    path = m.finished(rows={"t": 5}, outputs=[]).write(tmp_path)
    body = json.loads(path.read_text())
    assert body["key"] == m.key
    assert body["version"] == m.version
    assert body["rows"] == {"t": 5}
    assert load_manifest(tmp_path) == m.finished(rows={"t": 5}, outputs=[]).__class__(
        **{k: v for k, v in body.items() if k != "key"}
    )
