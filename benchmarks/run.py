"""Run every benchmark and write docs/performance.md.

Each ``benchmarks/bench_*.py`` has ``run() -> str`` returning its markdown section
(a ``## heading``, what was measured, a table of seconds and peak MiB, econscope and its
peers side by side). ``python -m benchmarks.run [name ...]`` runs all or the named ones;
sections of benchmarks not run this time are kept from the previous file. The scale and
Spark benchmarks (hours) run only when named (`make bench-scale`, `make bench-spark`).
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
import sys
from pathlib import Path

from benchmarks._harness import machine

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "performance.md"
_MARK = re.compile(r"<!-- bench:(\w+) -->\n(.*?)<!-- /bench:\1 -->\n", re.S)


def _previous() -> dict[str, str]:
    if not OUT.exists():
        return {}
    return {m.group(1): m.group(2) for m in _MARK.finditer(OUT.read_text())}


#: Benchmarks of hours, each with its own make target (bench-scale, bench-spark): run only
#: when named.
_OWN_TARGET = frozenset({"scale", "spark"})


def main(argv: list[str]) -> int:
    names = sorted(p.stem.removeprefix("bench_") for p in Path(__file__).parent.glob("bench_*.py"))
    chosen = argv or [n for n in names if n not in _OWN_TARGET]
    sections = _previous()
    for name in chosen:
        print(f"running benchmark {name} ...", flush=True)
        module = importlib.import_module(f"benchmarks.bench_{name}")
        stamp = dt.date.today().isoformat()
        sections[name] = f"{module.run().rstrip()}\n\n_Measured {stamp} on {machine()}._\n\n"
    body = [
        "# Performance\n\n",
        "Measured by `make bench` (`python -m benchmarks.run`); each number is one call in a "
        "fresh process (wall seconds, peak resident memory). Peers run side by side in the "
        "same run.\n\n",
    ]
    body += [
        f"<!-- bench:{n} -->\n{sections[n]}<!-- /bench:{n} -->\n" for n in names if n in sections
    ]
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text("".join(body))
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
