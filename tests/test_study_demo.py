"""The demo runs the study on the shared real data when it is there, and says when not."""

from __future__ import annotations

from pathlib import Path

from econscope import demo


def test_the_demo_finds_the_shared_wdi_and_comtrade_folders(tmp_path, monkeypatch):
    root = tmp_path / "shared" / "data"
    (root / "wdi").mkdir(parents=True)
    (root / "comtrade" / "shjain6670_IBE-Project---China").mkdir(parents=True)
    monkeypatch.setattr(demo, "SHARED_DATA", (tmp_path / "none", root))
    assert demo.shared_data_files() == (
        root / "wdi",
        root / "comtrade" / "shjain6670_IBE-Project---China",
    )


def test_without_shared_data_the_demo_uses_the_article_alone_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "SHARED_DATA", (tmp_path / "none",))
    assert demo.shared_data_files() == ()
    said: list[str] = []
    result = demo._economies(tmp_path / "economies", None, lambda text, **_: said.append(text))
    assert "from the article's figures alone" in said[0]
    assert result.data_files == ()
    assert Path(result.report_path).is_file()
