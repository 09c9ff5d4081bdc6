"""Small businesses' use of credit cards for cash flow management, from bank data.

Reproduces the JPMorgan Chase Institute report "Cash or Credit?" from de-identified
deposit and business-card data: the input contract and its validation, a calibrated
synthetic bank, the firm-by-billing-cycle panel (Box 1 revolving, cash flows, average
daily balances, cash buffer days), every figure and table, three regression models and
an offline HTML report.

Each stage is one function in a module named for what it computes::

    simulate(out, firms=...)                       # sim.simulate: a synthetic bank + its truth
    validate(data_dir, out_dir)                    # validation: contract check, quarantine
    build_panel(validated_dir, out_dir)            # panel: firm x billing-cycle panel, funnel
    analyze(panel_dir, out_dir)                    # analysis: result tables, models, disclosure
    compare(run_dir)                               # results.fidelity: the run vs the report
    calibrate(["revolve_intercept"], ...)          # sim.calibrate: fit the simulator to it

The method steps live in :mod:`econscope.smallbiz.method`, the result tables in
:mod:`econscope.smallbiz.results`, the simulator in :mod:`econscope.smallbiz.sim`. The
report and the one-command run are above this suite: :mod:`econscope.report.smallbiz`
(``render_report``) and :mod:`econscope.pipeline` (``run``).
"""

from __future__ import annotations

from econscope.smallbiz.analysis import AnalysisResult, analyze
from econscope.smallbiz.panel import PanelResult, build_panel
from econscope.smallbiz.results.fidelity import compare
from econscope.smallbiz.results.models import ModelResults, fit_models, prediction_tables
from econscope.smallbiz.sim.calibrate import calibrate
from econscope.smallbiz.sim.calibration import Calibration
from econscope.smallbiz.sim.simulate import SimulationResult, simulate
from econscope.smallbiz.validation import ValidationResult, validate

__all__ = [
    "AnalysisResult",
    "Calibration",
    "ModelResults",
    "PanelResult",
    "SimulationResult",
    "ValidationResult",
    "analyze",
    "build_panel",
    "calibrate",
    "compare",
    "fit_models",
    "prediction_tables",
    "simulate",
    "validate",
]
