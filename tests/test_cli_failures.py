"""Every failure a user can cause is one line with a hint (issue 13 item 5, issue 18 item 4).

Each command of ``econscope --help`` runs against the faults a user meets: a missing file or
folder, a folder where a file is expected and the reverse, an empty file, a damaged Parquet
part, a Latin-1 CSV, a short CSV row, and an output folder that cannot be written. Each must
exit 1 (data) or 2 (usage, configuration) with exactly one error line that carries a
``Hint:``, and never a traceback.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from econscope import pipeline
from econscope.cli import main
from econscope.config import load_settings
from econscope.smallbiz import simulate

pytestmark = pytest.mark.filterwarnings("ignore::econscope.errors.EconscopeWarning")

WDI = (
    "Country Name,Country Code,Indicator Name,Indicator Code,2020,2021,\n"
    "Viet Nam,VNM,GDP (current US$),NY.GDP.MKTP.CD,346.6e9,366.1e9,\n"
)


@dataclass(frozen=True)
class Env:
    tmp: Path
    bank: Path
    run: Path
    readonly: Path

    def copy_bank(self) -> Path:
        return Path(shutil.copytree(self.bank, self.tmp / "bank_copy"))

    def copy(self, folder: Path, name: str) -> Path:
        return Path(shutil.copytree(folder, self.tmp / name))

    def file(self, name: str, data: bytes = b"x") -> Path:
        path = self.tmp / name
        path.write_bytes(data)
        return path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    bank = tmp_path_factory.mktemp("bank")
    simulate(bank, firms=20, start="2019-01", end="2020-06", seed=3, progress=False)
    run = tmp_path_factory.mktemp("run")
    pipeline.run(bank, run, load_settings(overrides=["disclosure.k=3"]))
    return bank, run


def _readonly(tmp: Path) -> Path:
    """A folder no file can be created in (root ignores permissions: then a /sys path)."""
    folder = tmp / "readonly"
    folder.mkdir()
    folder.chmod(0o555)
    probe = folder / "probe"
    try:
        probe.mkdir()
    except OSError:
        return folder / "out"
    probe.rmdir()
    return Path("/sys/econscope-readonly-test/out")  # EPERM for root too; nothing is created


@pytest.fixture
def env(built: tuple[Path, Path], tmp_path: Path):
    bank, run = built
    readonly = _readonly(tmp_path)
    yield Env(tmp_path, bank, run, readonly)
    (tmp_path / "readonly").chmod(0o755)


def _replace_table(bank: Path, table: str, name: str, data: bytes) -> Path:
    for old in bank.glob(f"{table}.*"):
        old.unlink()
    (bank / name).write_bytes(data)
    return bank


def _latin1(env: Env) -> Path:
    return _replace_table(
        env.copy_bank(), "firms", "firms.csv", "firm_id,industry\nF1,café\n".encode("latin-1")
    )


def _short_row(env: Env) -> Path:
    return _replace_table(
        env.copy_bank(), "firms", "firms.csv", b"firm_id,industry\nF1,retail\nF2\n"
    )


def _empty(env: Env) -> Path:
    return _replace_table(env.copy_bank(), "firms", "firms.csv", b"")


def _damaged(env: Env) -> Path:
    return _replace_table(env.copy_bank(), "firms", "firms.parquet", b"PAR1 not really")


def _damaged_part(env: Env) -> Path:
    bank = env.copy_bank()
    (bank / "firms").mkdir()
    (bank / "firms.parquet").rename(bank / "firms" / "part-0.parquet")
    (bank / "firms" / "part-1.parquet").write_bytes(b"PAR1 truncated")
    return bank


def _validated_damaged(env: Env) -> Path:
    folder = env.copy(env.run / "validated", "validated_copy")
    (folder / "firms.parquet").write_bytes(b"PAR1 not really")
    return folder


def _panel_with(env: Env, data: bytes) -> Path:
    folder = env.copy(env.run / "panel", "panel_copy")
    (folder / "panel.parquet").write_bytes(data)
    return folder


def _run_with_results_file(env: Env, name: str, data: bytes | None) -> Path:
    run = env.tmp / "run_copy"
    shutil.copytree(env.run / "results", run / "results")
    target = run / "results" / name
    target.unlink()
    if data is None:
        target.mkdir()  # a folder where the CSV file is expected
    else:
        target.write_bytes(data)
    return run


Case = Callable[[Env], list[str]]
S = "smallbiz"
E = "economies"

CASES: dict[str, Case] = {
    # smallbiz simulate
    "simulate/readonly-out": lambda e: [
        S,
        "simulate",
        "--out",
        str(e.readonly),
        "--firms",
        "5",
        "--start",
        "2019-01",
        "--end",
        "2019-02",
        "--no-progress",
    ],
    "simulate/file-as-out": lambda e: [
        S,
        "simulate",
        "--out",
        str(e.file("f")),
        "--firms",
        "5",
        "--start",
        "2019-01",
        "--end",
        "2019-02",
        "--no-progress",
    ],
    # smallbiz validate
    "validate/missing": lambda e: [S, "validate", str(e.tmp / "nope"), "--out", str(e.tmp / "o")],
    "validate/file-as-folder": lambda e: [
        S,
        "validate",
        str(e.file("f")),
        "--out",
        str(e.tmp / "o"),
    ],
    "validate/empty-file": lambda e: [S, "validate", str(_empty(e)), "--out", str(e.tmp / "o")],
    "validate/damaged-parquet": lambda e: [
        S,
        "validate",
        str(_damaged(e)),
        "--out",
        str(e.tmp / "o"),
    ],
    "validate/damaged-part": lambda e: [
        S,
        "validate",
        str(_damaged_part(e)),
        "--out",
        str(e.tmp / "o"),
    ],
    "validate/latin1": lambda e: [S, "validate", str(_latin1(e)), "--out", str(e.tmp / "o")],
    "validate/short-row": lambda e: [S, "validate", str(_short_row(e)), "--out", str(e.tmp / "o")],
    "validate/readonly-out": lambda e: [S, "validate", str(e.bank), "--out", str(e.readonly)],
    "validate/file-as-out": lambda e: [S, "validate", str(e.bank), "--out", str(e.file("f"))],
    # smallbiz panel
    "panel/missing": lambda e: [S, "panel", str(e.tmp / "nope"), "--out", str(e.tmp / "o")],
    "panel/file-as-folder": lambda e: [S, "panel", str(e.file("f")), "--out", str(e.tmp / "o")],
    "panel/damaged-parquet": lambda e: [
        S,
        "panel",
        str(_validated_damaged(e)),
        "--out",
        str(e.tmp / "o"),
    ],
    "panel/readonly-out": lambda e: [
        S,
        "panel",
        str(e.run / "validated"),
        "--out",
        str(e.readonly),
    ],
    # smallbiz analyze
    "analyze/missing": lambda e: [S, "analyze", str(e.tmp / "nope"), "--out", str(e.tmp / "o")],
    "analyze/file-as-folder": lambda e: [S, "analyze", str(e.file("f")), "--out", str(e.tmp / "o")],
    "analyze/empty-file": lambda e: [
        S,
        "analyze",
        str(_panel_with(e, b"")),
        "--out",
        str(e.tmp / "o"),
    ],
    "analyze/damaged-parquet": lambda e: [
        S,
        "analyze",
        str(_panel_with(e, b"PAR1 x")),
        "--out",
        str(e.tmp / "o"),
    ],
    "analyze/readonly-out": lambda e: [
        S,
        "analyze",
        str(e.run / "panel"),
        "--out",
        str(e.readonly),
    ],
    # smallbiz report
    "report/missing": lambda e: [S, "report", str(e.tmp / "nope")],
    "report/file-as-folder": lambda e: [S, "report", str(e.file("f"))],
    "report/empty-file": lambda e: [S, "report", str(_run_with_results_file(e, "fig02.csv", b""))],
    "report/latin1": lambda e: [
        S,
        "report",
        str(
            _run_with_results_file(
                e,
                "tabA1.csv",
                "industry,measure,value,n_firms,suppressed\ncafé,firms,,,True\n".encode("latin-1"),
            )
        ),
    ],
    "report/folder-as-file": lambda e: [
        S,
        "report",
        str(_run_with_results_file(e, "fig02.csv", None)),
    ],
    # smallbiz run
    "run/missing": lambda e: [S, "run", str(e.tmp / "nope"), "--out", str(e.tmp / "o")],
    "run/file-as-folder": lambda e: [S, "run", str(e.file("f")), "--out", str(e.tmp / "o")],
    "run/empty-file": lambda e: [S, "run", str(_empty(e)), "--out", str(e.tmp / "o")],
    "run/damaged-part": lambda e: [S, "run", str(_damaged_part(e)), "--out", str(e.tmp / "o")],
    "run/latin1": lambda e: [S, "run", str(_latin1(e)), "--out", str(e.tmp / "o")],
    "run/short-row": lambda e: [S, "run", str(_short_row(e)), "--out", str(e.tmp / "o")],
    "run/readonly-out": lambda e: [S, "run", str(e.bank), "--out", str(e.readonly)],
    "run/file-as-out": lambda e: [S, "run", str(e.bank), "--out", str(e.file("f"))],
    # economies load
    "load/missing": lambda e: [E, "load", str(e.tmp / "API_x.csv"), "--out", str(e.tmp / "o")],
    "load/empty-file": lambda e: [
        E,
        "load",
        str(e.file("API_x.csv", b"")),
        "--out",
        str(e.tmp / "o"),
    ],
    "load/latin1": lambda e: [
        E,
        "load",
        str(e.file("API_x.csv", WDI.replace("Viet Nam", "Côte").encode("latin-1"))),
        "--out",
        str(e.tmp / "o"),
    ],
    "load/short-row": lambda e: [
        E,
        "load",
        str(e.file("API_x.csv", (WDI + "Japan,JPN\n").encode())),
        "--out",
        str(e.tmp / "o"),
    ],
    "load/damaged-parquet": lambda e: [
        E,
        "load",
        str(e.file("x.parquet", b"PAR1 x")),
        "--out",
        str(e.tmp / "o"),
    ],
    "load/readonly-out": lambda e: [
        E,
        "load",
        str(e.file("API_x.csv", WDI.encode())),
        "--out",
        str(e.readonly),
    ],
    # economies indicator
    "indicator/missing": lambda e: [E, "indicator", "growth", "--data", str(e.tmp / "x.parquet")],
    "indicator/folder-as-file": lambda e: [E, "indicator", "growth", "--data", str(e.tmp)],
    "indicator/empty-file": lambda e: [
        E,
        "indicator",
        "growth",
        "--data",
        str(e.file("x.parquet", b"")),
    ],
    "indicator/damaged-parquet": lambda e: [
        E,
        "indicator",
        "growth",
        "--data",
        str(e.file("x.parquet", b"PAR1 x")),
    ],
    # economies study
    "study/missing": lambda e: [E, "study", str(e.tmp / "study.yaml"), "--out", str(e.tmp / "o")],
    "study/missing-data": lambda e: [
        E,
        "study",
        "vietnam-china",
        "--no-report",
        "--out",
        str(e.tmp / "o"),
        "--data",
        str(e.tmp / "nope"),
    ],
    "study/empty-file": lambda e: [
        E,
        "study",
        str(e.file("study.yaml", b"")),
        "--out",
        str(e.tmp / "o"),
    ],
    "study/readonly-out": lambda e: [
        E,
        "study",
        "vietnam-china",
        "--no-report",
        "--out",
        str(e.readonly),
    ],
    # config
    "config/missing": lambda e: ["config", "--config", str(e.tmp / "run.toml")],
    "config/folder-as-file": lambda e: ["config", "--config", str(e.tmp)],
    "config/latin1": lambda e: [
        "config",
        "--config",
        str(e.file("run.toml", "[disclosure]\nk = 'é'\n".encode("latin-1"))),
    ],
    "config/damaged": lambda e: ["config", "--config", str(e.file("run.toml", b"[disclosure\n"))],
    # demo
    "demo/readonly-out": lambda e: ["demo", "--out", str(e.readonly), "--firms", "10"],
    "demo/file-as-out": lambda e: ["demo", "--out", str(e.file("f")), "--firms", "10"],
}


#: Economies commands are being reworked in parallel (issue 18); cases still failing when
#: this test landed are strict expected failures naming the command, so a fix shows up.
@pytest.mark.parametrize("case", sorted(CASES))
def test_every_user_fault_is_one_line_with_a_hint(case: str, env: Env, capsys) -> None:
    argv = CASES[case](env)
    code = main(argv)
    captured = capsys.readouterr()
    text = captured.err + captured.out
    errors = [
        line
        for line in captured.err.splitlines()
        if line.startswith(("error", "usage error", "configuration error", "internal error"))
    ]
    assert "Traceback" not in text, text
    assert code in (1, 2), (code, text)
    assert len(errors) == 1, captured.err
    assert "Hint:" in errors[0], errors[0]
    assert not os.path.exists("/sys/econscope-readonly-test")


def test_paths_are_printed_without_markup(tmp_path: Path, capsys) -> None:
    # Rich markup used to swallow "[a]" in a printed path
    folder = tmp_path / "run[a]"
    folder.mkdir()
    assert main(["smallbiz", "report", str(folder)]) == 1
    assert "run[a]" in capsys.readouterr().err


def test_a_short_wdi_row_names_its_line(tmp_path: Path) -> None:
    # "Japan,JPN" is line 3 of the file and has 2 fields under a header of 7 (the
    # trailing comma of the WDI layout is a seventh, empty column)
    from econscope.economies.readers.wdi import read_wdi
    from econscope.errors import DataError

    path = tmp_path / "API_x.csv"
    path.write_text(WDI + "Japan,JPN\n")
    with pytest.raises(DataError, match="line 3 has 2 field"):
        read_wdi(path)


def test_a_wdi_row_quoted_whole_is_read_as_its_fields(tmp_path: Path) -> None:
    # The World Bank's bulk GDP file quotes the rows of Venezuela and Yemen twice:
    # '"""Venezuela, RB"",VEN,...,"' is one field holding the whole row. It is read as
    # the row it holds, so both of its years are observations (not one padded field).
    from econscope.economies.readers.wdi import read_wdi

    wrapped = '"""Venezuela, RB"",VEN,GDP (current US$),NY.GDP.MKTP.CD,1.5e9,2.5e9,"\n'
    path = tmp_path / "API_x.csv"
    path.write_text(WDI + wrapped)
    obs = read_wdi(path).observations.to_pandas()
    ven = obs[obs["entity"] == "VEN"].sort_values("period")
    assert ven["value"].tolist() == [1.5e9, 2.5e9]
    assert sorted(obs["entity"].unique()) == ["VEN", "VNM"]
