"""Load data files into one folder of normalised observations with a load report.

``load_files([...], out)`` reads each file with the reader of its layout and writes:

- ``observations.parquet``: kept observations of countries (and of regions and firms
  from facts files), in the observation schema;
- ``aggregates.parquet``: WDI aggregates (World, regions, income groups), kept apart so
  they are never summed with countries;
- ``trade.parquet``: bilateral flows from Comtrade / BACI (when any were read);
- ``rejected.parquet``: every rejected row with file, layout and reason;
- ``facts_checks.csv``: for facts files, how each printed phrase reads against its value;
- ``load_report.csv``: per file: rows read, then kept and rejected rows by reason;
- ``manifest.json`` last; a rerun with the same files and options reuses the folder.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from pathlib import Path

import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.csv as pacsv

from econscope.economies.readers import REPORT_SCHEMA, Layout, LoadResult, read_any
from econscope.engine import Backend, atomic_path, connect, write_parquet
from econscope.errors import DataError
from econscope.stages import Manifest, StageOutput, run_stage

__all__ = ["DATA_SUFFIXES", "LoadOutput", "expand_inputs", "load_files"]

#: Files a folder given as input contributes (WDI ``Metadata_*`` files are left out).
DATA_SUFFIXES = (".csv", ".parquet", ".yaml", ".yml")


def expand_inputs(
    paths: Sequence[str | Path], suffixes: Sequence[str] = DATA_SUFFIXES
) -> list[Path]:
    """Every input file: a file as given, a folder as the data files below it (sorted).

    A missing path, an empty file, or a folder without data files is a
    :class:`~econscope.errors.DataError` naming it and the fix.

    >>> expand_inputs(["no/such.csv"])
    Traceback (most recent call last):
    ...
    econscope.errors.DataError: no/such.csv: not found. Hint: check the path
    """
    files: list[Path] = []
    for item in paths:
        p = Path(item)
        if p.is_dir():
            found = sorted(
                q
                for q in p.rglob("*")
                if q.is_file()
                and q.suffix.lower() in suffixes
                and not q.name.startswith((".", "Metadata_"))
                and q.name != "manifest.json"
            )
            if not found:
                raise DataError(
                    f"{p}: a folder without data files ({', '.join(suffixes)})",
                    hint="give the files, or a folder that holds them",
                )
            files += found
        elif p.is_file():
            if p.stat().st_size == 0:
                raise DataError(f"{p}: the file is empty", hint="check the export or download")
            files.append(p)
        else:
            raise DataError(f"{p}: not found", hint="check the path")
    return files


@dataclass(frozen=True)
class LoadOutput:
    """What ``load_files`` wrote: the folder, the report and rows per output."""

    out_dir: Path
    report: pa.Table
    rows: dict[str, int]
    reused: bool


def _union(tables: list[ir.Table]) -> ir.Table | None:
    if not tables:
        return None
    return reduce(lambda a, b: a.union(b, distinct=False), tables)


def load_files(
    paths: Sequence[str | Path],
    out_dir: str | Path,
    *,
    layout: Layout | None = None,
    indicator: str | None = None,
    vintage: str | None = None,
    con: Backend | None = None,
) -> LoadOutput:
    """Read ``paths`` (files, or folders of them; layouts detected unless ``layout``) and
    write ``out_dir``."""
    paths = expand_inputs(paths)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise DataError(f"{out}: --out is a file", hint="give a folder for the outputs")

    def compute(folder: Path) -> StageOutput:
        con_ = con or connect()
        results: list[LoadResult] = [
            read_any(p, layout=layout, con=con_, indicator=indicator, vintage=vintage)
            for p in paths
        ]
        rows: dict[str, int] = {}
        outputs: list[str] = []

        def put(name: str, table: ir.Table | None) -> None:
            if table is None:
                return
            arrow = table.to_pyarrow()
            write_parquet(arrow, folder / name)
            rows[name] = arrow.num_rows
            outputs.append(name)

        put("observations.parquet", _union([r.observations for r in results]))
        put("aggregates.parquet", _union([r.aggregates for r in results]))
        put("trade.parquet", _union([r.trade for r in results if r.trade is not None]))
        put("rejected.parquet", _union([r.rejected for r in results]))
        checks = [r.checks for r in results if r.checks is not None]
        if checks:
            table = pa.concat_tables(checks)
            with atomic_path(folder / "facts_checks.csv") as tmp:
                pacsv.write_csv(table, tmp)
            rows["facts_checks.csv"] = table.num_rows
            outputs.append("facts_checks.csv")
        report = pa.concat_tables([r.report for r in results])
        with atomic_path(folder / "load_report.csv") as tmp, tmp.open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=report.column_names)
            w.writeheader()
            w.writerows(report.to_pylist())
        outputs.append("load_report.csv")
        return StageOutput(rows=rows, outputs=outputs)

    def load(folder: Path, manifest: Manifest) -> tuple[pa.Table, dict[str, int]]:
        report = pacsv.read_csv(folder / "load_report.csv").cast(REPORT_SCHEMA)
        return report, dict(manifest.rows)

    stage = run_stage(
        "economies.load",
        out,
        inputs={f"{i}:{p.name}": p for i, p in enumerate(paths)},
        settings={},
        params={"layout": layout, "indicator": indicator, "vintage": vintage},
        compute=compute,
        load=load,
    )
    report, rows = stage.value
    return LoadOutput(out, report, rows, stage.reused)
