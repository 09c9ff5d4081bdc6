"""The method of DESIGN.md, one module per step.

calendar (days and months), sample (step 1), cycles (step 2, Box 1), cashflow (step 3:
flows per cycle), balances (step 3: ADB), buffers (step 4), size (step 5), prices (step 6);
:mod:`econscope.smallbiz.method.panel` composes them into the panel.
"""
