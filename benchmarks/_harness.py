"""Measure wall time and peak memory of one call, each in a fresh Python process.

A fresh process per measurement keeps one peer's caches from helping another. Peak
resident memory is the process's high-water mark (VmHWM) reset just before the call, so
it counts the call (plus the interpreter and imports), not what a forking parent held.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

_CHILD = r"""
import importlib, json, resource, sys, time
mod, fn, kwargs = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
f = getattr(importlib.import_module(mod), fn)


def clear_peak():
    # A child started by fork carries its parent's peak RSS; Linux resets VmHWM on "5".
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def peak_kib(cleared):
    if cleared:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


cleared = clear_peak()
t0 = time.perf_counter()
value = f(**kwargs)
seconds = time.perf_counter() - t0
print("\n__RESULT__" + json.dumps(
    {"seconds": seconds, "peak_kib": peak_kib(cleared), "value": value}, default=str))
"""


@dataclass(frozen=True)
class Measurement:
    """Wall seconds and peak resident memory (MiB) of one call; ``value`` is what it returned."""

    label: str
    seconds: float
    peak_mib: float
    value: Any

    def row(self) -> str:
        return f"| {self.label} | {self.seconds:,.1f} | {self.peak_mib:,.0f} |"


def measure(
    label: str, module: str, function: str, timeout: float = 3600, **kwargs: Any
) -> Measurement:
    """Run ``module.function(**kwargs)`` in a fresh interpreter; kwargs must be JSON."""
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, module, function, json.dumps(kwargs)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{label} failed:\n{proc.stderr[-4000:]}")
    payload = json.loads(proc.stdout.rsplit("__RESULT__", 1)[1])
    return Measurement(label, payload["seconds"], payload["peak_kib"] / 1024, payload["value"])


def machine() -> str:
    """One line describing the machine the numbers were measured on."""
    import os

    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    py = platform.python_version()
    return f"{platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {py}"
