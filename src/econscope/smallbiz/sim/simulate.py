"""The calibrated synthetic bank: N firms' deposit and business-card data, plus the truth.

``simulate`` writes the seven tables of the input contract (DESIGN.md, "the input
contract") for ``firms`` firms over the months ``start``..``end``, and a ``truth`` table
with the real payment decision of every card cycle (did the firm pay in full by the due
date, what did it carry, did it pay late). The model is described in docs/simulator.md;
every behaviour parameter is a field of :class:`~econscope.smallbiz.sim.calibration.Calibration`.

Firms are simulated in chunks of ``chunk_firms`` (memory stays bounded whatever
``firms``), each chunk from its own seed stream ``SeedSequence(seed, spawn_key=(i,))``,
and each table is streamed to one file with one row group per chunk. The same seed,
chunk size and calibration write byte-identical files.

>>> import tempfile
>>> res = simulate(tempfile.mkdtemp(), firms=5, start="2019-01", end="2019-06", progress=False)
>>> res.rows["firms"]
5
>>> sorted(res.paths)[:3]
['card_accounts', 'card_statements', 'card_transactions']
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from econscope.engine import atomic_path
from econscope.errors import ConfigError
from econscope.smallbiz.sim.calibration import Calibration
from econscope.smallbiz.sim.faults import FAULT_SCHEMA, Injector
from econscope.smallbiz.sim.grid import make_grid
from econscope.smallbiz.sim.kernel import ARROW_SCHEMAS, chunk_tables

__all__ = ["CONTRACT_TABLES", "SimulationResult", "simulate"]

#: The seven tables of the input contract, in the order they are written.
CONTRACT_TABLES: tuple[str, ...] = (
    "firms",
    "deposit_accounts",
    "deposit_transactions",
    "deposit_balances",
    "card_accounts",
    "card_statements",
    "card_transactions",
)
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 3, "version": "2.6"}


@dataclass(frozen=True)
class SimulationResult:
    """What :func:`simulate` wrote: rows and path per table (contract tables, truth, faults).

    ``format`` is ``parquet``, or ``csv`` when faults were injected (the contract tables
    then hold unparseable text; truth and faults stay Parquet).
    """

    out: Path
    firms: int
    start: str
    end: str
    seed: int
    faults: float
    format: Literal["parquet", "csv"]
    rows: Mapping[str, int] = field(default_factory=dict)
    paths: Mapping[str, Path] = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        """One row per written table: table, rows, path."""
        return pd.DataFrame(
            {
                "table": list(self.rows),
                "rows": list(self.rows.values()),
                "path": [str(self.paths[t]) for t in self.rows],
            }
        )


class _Sink:
    """One output table streamed to Parquet (one row group per chunk) or CSV."""

    def __init__(self, path: Path, schema: pa.Schema, fmt: str) -> None:
        self.fmt, self.rows = fmt, 0
        if fmt == "parquet":
            self._writer: pq.ParquetWriter | pcsv.CSVWriter = pq.ParquetWriter(
                str(path), schema, **_PARQUET_OPTIONS
            )
        else:
            text = pa.schema([(f.name, pa.string()) for f in schema])
            self._writer = pcsv.CSVWriter(str(path), text)

    def write(self, table: pa.Table) -> None:
        if table.num_rows:
            if self.fmt == "parquet":
                self._writer.write_table(table, row_group_size=table.num_rows)
            else:
                self._writer.write_table(table)
        self.rows += table.num_rows

    def close(self) -> None:
        self._writer.close()


def _check(firms: int, start: str, end: str, faults: float, chunk_firms: int) -> None:
    if firms < 1:
        raise ConfigError(f"firms must be at least 1, not {firms}. Hint: pass --firms 1000")
    for name, value in (("start", start), ("end", end)):
        if not _MONTH.match(value):
            raise ConfigError(f"{name} {value!r} is not a month. Hint: write YYYY-MM, e.g. 2010-01")
    if end < start:
        raise ConfigError(f"end {end} is before start {start}. Hint: swap them")
    if not 0 <= faults <= 0.5:
        raise ConfigError(f"faults {faults} must be a share in [0, 0.5]. Hint: e.g. --faults 0.01")
    if chunk_firms < 1:
        raise ConfigError(f"chunk_firms must be at least 1, not {chunk_firms}")


def simulate(
    out: str | Path,
    *,
    firms: int,
    start: str = "2010-01",
    end: str = "2023-01",
    seed: int = 20230101,
    calibration: Calibration | None = None,
    faults: float = 0.0,
    chunk_firms: int = 2_000,
    balances: bool = True,
    progress: bool = True,
) -> SimulationResult:
    """Simulate a bank of ``firms`` firms from month ``start`` to ``end`` into folder ``out``.

    Writes ``<table>.parquet`` for the seven contract tables (``deposit_balances`` only
    when ``balances``: one end-of-day balance per account and day with a transaction),
    ``truth.parquet`` (one row per card statement) and ``simulation.json`` (parameters,
    calibration, rows). With ``faults > 0`` each row-level fault class is injected at that
    share of each applicable table, the contract tables are written as CSV text, and
    ``faults.parquet`` lists every injected row (table, row, key, reason).
    """
    _check(firms, start, end, faults, chunk_firms)
    cal = calibration or Calibration()
    grid = make_grid(start, end, cal.burn_in_months)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    fmt: Literal["parquet", "csv"] = "csv" if faults > 0 else "parquet"
    tables = [t for t in CONTRACT_TABLES if balances or t != "deposit_balances"]
    paths = {t: out / f"{t}.{fmt}" for t in tables}
    paths["truth"] = out / "truth.parquet"
    if faults > 0:
        paths["faults"] = out / "faults.parquet"
    for stale in (
        *(out / f"{t}.{ext}" for t in CONTRACT_TABLES for ext in ("parquet", "csv")),
        out / "faults.parquet",
    ):
        if stale not in paths.values() and stale.exists():
            stale.unlink()
    n_chunks = -(-firms // chunk_firms)
    with ExitStack() as stack:
        tmp = {t: stack.enter_context(atomic_path(p)) for t, p in paths.items()}
        sinks = {t: _Sink(tmp[t], ARROW_SCHEMAS[t], fmt) for t in tables}
        sinks["truth"] = _Sink(tmp["truth"], ARROW_SCHEMAS["truth"], "parquet")
        if faults > 0:
            sinks["faults"] = _Sink(tmp["faults"], FAULT_SCHEMA, "parquet")
        bar = _progress(progress)
        with bar:
            task = bar.add_task("simulating firms", total=firms)
            for i in range(n_chunks):
                n = min(chunk_firms, firms - i * chunk_firms)
                ss = np.random.SeedSequence(seed, spawn_key=(i,))
                model_rng, fault_rng = (np.random.default_rng(s) for s in ss.spawn(2))
                chunk = chunk_tables(
                    model_rng, n, i * chunk_firms, seed, cal, grid, balances=balances
                )
                sinks["truth"].write(chunk.pop("truth"))
                if faults > 0:
                    _write_faulty(chunk, sinks, Injector(faults, seed, i, fault_rng))
                else:
                    for t in tables:
                        sinks[t].write(chunk[t])
                bar.advance(task, n)
        for sink in sinks.values():
            sink.close()
    rows = {t: s.rows for t, s in sinks.items()}
    _write_json(out / "simulation.json", firms, start, end, seed, faults, chunk_firms, cal, rows)
    return SimulationResult(
        out=out,
        firms=firms,
        start=start,
        end=end,
        seed=seed,
        faults=faults,
        format=fmt,
        rows=MappingProxyType(rows),
        paths=MappingProxyType(paths),
    )


def _write_faulty(chunk: dict[str, pa.Table], sinks: dict[str, _Sink], inj: Injector) -> None:
    opened = {
        "account_id": _lookup(chunk["deposit_accounts"], "account_id"),
        "card_id": _lookup(chunk["card_accounts"], "card_id"),
    }
    records: list[tuple[str, int, str, str]] = []
    for name, table in chunk.items():
        if name not in sinks:
            continue
        key = "card_id" if name.startswith("card_") else "account_id"
        text, faults = inj.inject(name, table, opened[key])
        base = sinks[name].rows + table.num_rows
        records += [(name, base + j, k, r) for j, (k, r) in enumerate(faults)]
        sinks[name].write(text)
    if records:
        t, r, k, reason = zip(*records, strict=True)
        sinks["faults"].write(
            pa.table(
                {"table": t, "row": pa.array(r, pa.int64()), "key": k, "reason": reason},
                schema=FAULT_SCHEMA,
            )
        )


def _lookup(accounts: pa.Table, key: str) -> Callable[[pa.Array], np.ndarray]:
    """open_day(ids): the open day (days since epoch) of each account or card id."""
    index = {k: i for i, k in enumerate(accounts[key].to_pylist())}
    days = accounts["open_date"].cast(pa.int32()).to_numpy()

    def open_day(values: pa.Array) -> np.ndarray:
        return days[np.array([index[v] for v in values.to_pylist()], dtype=np.int64)].astype(
            np.int64
        )

    return open_day


def _progress(enabled: bool) -> Progress:
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=not enabled,
        transient=True,
    )


def _write_json(
    path: Path,
    firms: int,
    start: str,
    end: str,
    seed: int,
    faults: float,
    chunk_firms: int,
    cal: Calibration,
    rows: dict[str, int],
) -> None:
    doc = {
        "firms": firms,
        "start": start,
        "end": end,
        "seed": seed,
        "faults": faults,
        "chunk_firms": chunk_firms,
        "rows": rows,
        "calibration": cal.model_dump(mode="json"),
    }
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
