"""The calibrated synthetic bank: calibration, the vectorised kernel, faults, simulate."""
