"""Surrogate keys: raw ids of every shape stop at validate, and the publication check is exact.

A bank's ids may be integers (7, 576, 1993), short codes (A2), words, or text with spaces
and Unicode. validate replaces them by keyed hashes (econscope.smallbiz.pseudonyms), so
every later stage sees surrogates only, and the publication check compares published
cells with the surrogates: it can neither miss a leaked key nor fire on a count, a year
or an industry that happens to equal a raw id.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import ibis
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from econscope import pipeline, smallbiz
from econscope.config import load_settings
from econscope.disclosure import published_cells, scan_published_cells
from econscope.engine import connect
from econscope.smallbiz.pseudonyms import ID_COLUMNS, ID_MAP_FILE, SECRET_FILE, surrogate
from econscope.smallbiz.validation import validate
from test_contract_data import clean, write_csv

pytestmark = pytest.mark.filterwarnings("ignore::econscope.errors.EconscopeWarning")

SURROGATE = re.compile(r"^[FAC]-[0-9a-f]{20}$")
GREEK = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
]


def _shaped(i: int, kind: str) -> str:
    """Raw id number i of a kind, in one of five shapes."""
    shape = i % 5
    if shape == 0:
        return str(i + 2)  # 2, 7, 12 ...: equal to counts and months in the results
    if shape == 1:
        return str(1990 + i) if kind == "firm" else str(570 + i)  # years; 576-like keys
    if shape == 2:
        return f"{kind[0].upper()}{i}"  # A2, F12
    if shape == 3:
        return f"{GREEK[i % len(GREEK)]}{i // len(GREEK) or ''}"  # plain words
    return f"{kind} Ünï {i}/商"  # spaces, slash, Unicode


@pytest.fixture(scope="module")
def shaped_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, set[str]]]:
    """A simulated bank whose ids are rewritten to every shape, run end to end."""
    root = tmp_path_factory.mktemp("shapes")
    sim = root / "sim"
    smallbiz.simulate(sim, firms=60, start="2019-01", end="2021-12", seed=7, progress=False)
    bank = root / "bank"
    bank.mkdir()
    maps: dict[str, dict[str, str]] = {}
    for column, table, kind in (
        ("firm_id", "firms", "firm"),
        ("account_id", "deposit_accounts", "account"),
        ("card_id", "card_accounts", "card"),
    ):
        ids = sorted(pd.read_parquet(sim / f"{table}.parquet", columns=[column])[column])
        maps[column] = {old: _shaped(i, kind) for i, old in enumerate(ids)}
    for table, columns in ID_COLUMNS.items():
        df = pd.read_parquet(sim / f"{table}.parquet")
        for c in columns:
            df[c] = df[c].map(maps[c])
        df.to_parquet(bank / f"{table}.parquet", index=False)
    out = root / "run"
    pipeline.run(bank, out, load_settings(overrides=["disclosure.k=3"]))
    shutil.rmtree(sim)
    return out, {c: set(m.values()) for c, m in maps.items()}


def test_every_shape_of_raw_id_runs_end_to_end_without_an_alarm(shaped_run):
    out, raw = shaped_run
    # the run did not raise DisclosureError, and it published the report
    assert (out / "report.html").is_file() and (out / "results" / "fig02.csv").is_file()
    every = raw["firm_id"] | raw["account_id"] | raw["card_id"]
    # the shapes the issue names are all there: 7, 576, a year, A2, a word, spaces/Unicode
    assert {"7", "576", "1991", "A2", "delta"} <= every
    assert any(" " in i and "Ü" in i for i in every)


def test_every_stage_after_validate_holds_surrogates_only(shaped_run):
    out, _ = shaped_run
    for table, columns in ID_COLUMNS.items():
        path = out / "validated" / f"{table}.parquet"
        for c in columns:
            assert pq.read_table(path, columns=[c]).column(c).to_pylist(), (table, c)
            assert all(SURROGATE.match(v) for v in pq.read_table(path).column(c).to_pylist())
    panel = pq.read_table(out / "panel" / "panel.parquet").to_pandas()
    assert panel.firm_id.map(lambda v: bool(SURROGATE.match(v))).all()
    assert panel.card_id.map(lambda v: bool(SURROGATE.match(v))).all()


def test_no_raw_id_reaches_a_published_cell(shaped_run):
    out, raw = shaped_run
    cells: set[str] = set()
    for path in pipeline.published_paths(out):
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for f in files:
            if f.is_file():
                cells |= set(published_cells(f))
    # Numbers are statistics (a count of 6 firms is not firm "6"): only ids that are not
    # numbers can be told apart from legitimate cells.
    textual = {i for ids in raw.values() for i in ids if not i.isdigit()}
    assert textual and not (textual & cells)


def test_no_surrogate_appears_anywhere_in_a_published_file(shaped_run):
    out, _ = shaped_run
    keys = set(pd.read_parquet(out / "validated" / ID_MAP_FILE).surrogate)
    for path in pipeline.published_paths(out):
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for f in files:
            if f.is_file():
                text = f.read_bytes().decode("latin-1")  # every byte, JavaScript included
                # every run of the keys' shape in the text, JavaScript included
                assert not keys & set(re.findall(r"[FAC]-[0-9a-f]{20}", text)), f


def test_the_id_map_pairs_each_raw_id_with_its_surrogate(tmp_path, con):
    out = tmp_path / "out"
    validate(write_csv(tmp_path / "in", clean()), out, con=con)
    m = pd.read_parquet(out / ID_MAP_FILE)
    pairs = set(zip(m.kind, m.raw_id, strict=True))
    # clean(): firms F1, F2; accounts A1, A2; cards C1, C2
    assert pairs == {
        ("firm_id", "F1"),
        ("firm_id", "F2"),
        ("account_id", "A1"),
        ("account_id", "A2"),
        ("card_id", "C1"),
        ("card_id", "C2"),
    }
    assert m.surrogate.map(lambda v: bool(SURROGATE.match(v))).all()
    # a transaction's account_id is its account's surrogate (the same keyed hash)
    tx = pd.read_parquet(out / "deposit_transactions.parquet")
    a1 = m.loc[(m.kind == "account_id") & (m.raw_id == "A1"), "surrogate"].iloc[0]
    assert (tx.account_id == a1).sum() == 3  # clean(): A1 has three transactions


def test_a_rerun_in_the_same_folder_keeps_the_surrogates(tmp_path, con):
    folder = write_csv(tmp_path / "in", clean())
    out = tmp_path / "out"
    validate(folder, out, con=con)
    first = pd.read_parquet(out / ID_MAP_FILE)
    (out / "manifest.json").unlink()  # force a recompute, not a reuse
    validate(folder, out, con=con)
    pd.testing.assert_frame_equal(first, pd.read_parquet(out / ID_MAP_FILE))
    assert (out / SECRET_FILE).is_file()


def test_another_secret_gives_other_surrogates(tmp_path, con):
    folder = write_csv(tmp_path / "in", clean())
    validate(folder, tmp_path / "a", con=con)
    validate(folder, tmp_path / "b", con=con)
    a = set(pd.read_parquet(tmp_path / "a" / ID_MAP_FILE).surrogate)
    b = set(pd.read_parquet(tmp_path / "b" / ID_MAP_FILE).surrogate)
    assert not a & b  # a key cannot be recomputed from the raw id without the secret


RAW_IDS = st.one_of(
    st.integers(0, 10_000).map(str),
    st.from_regex(r"[A-Z][0-9]{1,3}", fullmatch=True),
    st.sampled_from(["retail", "construction", "month", "share_revolving", "2020-01-01"]),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1),
)


@settings(max_examples=30)
@given(ids=st.lists(RAW_IDS, min_size=1, max_size=20, unique=True))
def test_cells_equal_to_raw_ids_never_alarm_and_a_planted_key_always_does(tmp_path_factory, ids):
    d = tmp_path_factory.mktemp("cells")
    # A published table whose every cell equals some raw id: counts, years, industries.
    rows = [{"industry": i, "year": i, "measure": "share", "value": 0.5, "n_firms": i} for i in ids]
    pd.DataFrame(rows).to_csv(d / "fig.csv", index=False)
    keys = [surrogate_of(i, "firm_id") for i in ids]
    assert scan_published_cells([d], keys) == []
    (d / "leak.csv").write_text(f"industry,value\n{keys[0]},1\n")
    assert scan_published_cells([d], keys) == [(d / "leak.csv", keys[0])]


def surrogate_of(raw: str, column: str) -> str:
    t = ibis.memtable({"v": [raw]})
    return connect().execute(t.select(s=surrogate(t.v, column, "ab" * 32))).s.iloc[0]


def test_the_report_is_checked_in_its_text_and_data_never_in_its_code(tmp_path):
    key = "F-0123456789abcdef0123"
    page = tmp_path / "report.html"
    # the key inside JavaScript is code, not a published cell (a minified bundle can hold
    # any short token); in the page's text or in the chart data it is a leak
    page.write_text(f"<html><script>var {key.replace('-', '_')}=1;var a='{key}'</script><p>ok</p>")
    assert scan_published_cells([page], [key]) == []
    page.write_text(
        '<script type="application/json" id="chart-specs">'
        f'{{"fig02": {{"data": {{"values": [{{"industry": "{key}"}}]}}}}}}</script>'
    )
    assert scan_published_cells([page], [key]) == [(page, key)]
    page.write_text(f"<table><tr><td>{key}</td></tr></table>")
    assert scan_published_cells([page], [key]) == [(page, key)]
