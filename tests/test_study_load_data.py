"""load_data: which real-data files a study lists as used."""

from __future__ import annotations

from pathlib import Path

import pytest

from econscope.economies.study import load_data
from econscope.errors import EconscopeWarning

BACI = "t,i,j,k,v,q\n2021,156,704,10121,1000.5,12\n2021,842,156,851712,250,NA\n"


def test_a_trade_file_without_a_requested_pair_is_not_used(tmp_path: Path) -> None:
    # the file holds CHN->VNM and USA->CHN only; KOR->VNM is asked for
    p = tmp_path / "BACI_HS17_Y2021_V202401.csv"
    p.write_text(BACI, encoding="utf-8")
    with pytest.warns(EconscopeWarning, match=r"no requested \(reporter, partner\) pair"):
        store = load_data([p], codes=[], entities=[], trade_pairs=[("KOR", "VNM")])
    assert store.files == () and store.trade is None


def test_a_trade_file_with_a_requested_pair_is_used(tmp_path: Path) -> None:
    p = tmp_path / "BACI_HS17_Y2021_V202401.csv"
    p.write_text(BACI, encoding="utf-8")
    store = load_data([p], codes=[], entities=[], trade_pairs=[("CHN", "VNM")])
    assert store.files == (str(p),)
    assert store.trade is not None and store.trade.num_rows == 1
