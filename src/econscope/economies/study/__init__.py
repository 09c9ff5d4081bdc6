"""Studies: recompute every quantitative claim of a publication into a ledger.

A study is two data files and no code: a facts file of the numbers the publication
quotes and a ``study.yaml`` of its claims (:mod:`.spec`). The package reads the inputs
as Observations (:mod:`.data`), recomputes each claim (:mod:`.claims`), judges it in
parts (:mod:`.verdicts`), checks it against real data (:mod:`.checks`) and writes the
ledger (:mod:`.run`), returning a frozen :class:`StudyResult`.

>>> import tempfile
>>> r = run_study("vietnam-china", tempfile.mkdtemp())
>>> r.claim("q1_2022_exports_two_versions").verdict
'inconsistent'
"""

from __future__ import annotations

from econscope.economies.study.data import FACTS_COLUMNS, DataStore, load_data
from econscope.economies.study.run import (
    CHART_COLUMNS,
    LEDGER_COLUMNS,
    ChartInfo,
    ClaimResult,
    StudyResult,
    compute_claims,
    load_result,
    run_study,
)
from econscope.economies.study.spec import ClaimSpec, StudySpec, load_study
from econscope.economies.study.verdicts import VERDICTS, Verdict

__all__ = [
    "CHART_COLUMNS",
    "FACTS_COLUMNS",
    "LEDGER_COLUMNS",
    "VERDICTS",
    "ChartInfo",
    "ClaimResult",
    "ClaimSpec",
    "DataStore",
    "StudyResult",
    "StudySpec",
    "Verdict",
    "compute_claims",
    "load_data",
    "load_result",
    "load_study",
    "run_study",
]
