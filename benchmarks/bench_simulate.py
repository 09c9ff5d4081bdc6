"""Benchmark of the synthetic bank: 10,000 firms over 2010-01..2023-01 (target < 180 s and
< 4 GiB on the 2-core machine), and 2,000 firms, with rows and bytes written per table."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from benchmarks._harness import measure


def simulate_bank(out: str, firms: int, balances: bool = True) -> dict[str, Any]:
    """Run in the measured process: simulate, return rows and bytes per table."""
    from econscope.smallbiz.sim.simulate import simulate

    res = simulate(out, firms=firms, balances=balances, progress=False)
    return {t: [n, Path(res.paths[t]).stat().st_size] for t, n in res.rows.items()}


def run() -> str:
    lines = [
        "## Synthetic bank (`econscope smallbiz simulate`)",
        "",
        "Simulate N firms over 2010-01..2023-01 (157 months) with the default calibration and "
        "seed, writing the seven contract tables and the truth table as Parquet (zstd), one "
        "row group per chunk of 2,000 firms. Target for 10,000 firms: under 180 s and "
        "under 4 GiB peak. No peer library writes this contract, so there is no peer "
        "column.",
        "",
        "| run | wall s | peak MiB |",
        "| --- | ---: | ---: |",
    ]
    details = []
    for firms, balances in ((2_000, True), (10_000, True), (10_000, False)):
        tmp = tempfile.mkdtemp(prefix="bench_simulate_")
        try:
            label = f"{firms:,} firms" + ("" if balances else ", --no-balances")
            m = measure(
                label,
                "benchmarks.bench_simulate",
                "simulate_bank",
                out=tmp,
                firms=firms,
                balances=balances,
            )
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        lines.append(m.row())
        details.append((label, m.value))
    lines += [
        "",
        "Rows and file sizes:",
        "",
        "| run | table | rows | MiB |",
        "| --- | --- | ---: | ---: |",
    ]
    for label, value in details:
        for table, (rows, size) in value.items():
            lines.append(f"| {label} | {table} | {rows:,} | {size / 2**20:,.1f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
