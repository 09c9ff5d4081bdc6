"""Small businesses' use of credit cards for cash flow management, from bank data.

Reproduces the JPMorgan Chase Institute report "Cash or Credit?" from de-identified
deposit and business-card data: the input contract and its validation, a calibrated
synthetic bank, the firm-by-billing-cycle panel (Box 1 revolving, cash flows, average
daily balances, cash buffer days), every figure and table, three regression models and
an offline HTML report.

Each stage is one function, named for what it does, in a module of the same name::

    simulate(out, firms=...)                       # a synthetic bank (contract tables + truth)
    validate(data_dir, out_dir)                    # contract check, quarantine, accounting
    build_panel(validated_dir, out_dir)            # firm x billing-cycle panel, funnel
    analyze(panel_dir, out_dir)                    # result tables, models, disclosure control
    render_report(run_dir)                         # figures and the offline HTML report
    run(data_dir, out_dir)                         # all of the above but simulate

The functions are imported here (importing ``econscope`` itself stays cheap), so
``econscope.smallbiz.analyze`` is always the function; reach a module with
``importlib.import_module("econscope.smallbiz.analyze")``.
"""

from __future__ import annotations

from econscope.smallbiz.analyze import AnalysisResult, analyze
from econscope.smallbiz.calibration import Calibration
from econscope.smallbiz.models import ModelResults, fit_models, prediction_tables
from econscope.smallbiz.panel import PanelResult, build_panel
from econscope.smallbiz.report import render_report
from econscope.smallbiz.run import RunResult, run
from econscope.smallbiz.simulate import SimulationResult, simulate
from econscope.smallbiz.validate import ValidationResult, validate

__all__ = [
    "AnalysisResult",
    "Calibration",
    "ModelResults",
    "PanelResult",
    "RunResult",
    "SimulationResult",
    "ValidationResult",
    "analyze",
    "build_panel",
    "fit_models",
    "prediction_tables",
    "render_report",
    "run",
    "simulate",
    "validate",
]
