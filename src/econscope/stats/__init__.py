"""Regressions on any Ibis table, from sufficient statistics computed in its engine.

>>> import ibis
>>> from econscope import stats
>>> t = ibis.memtable({"y": [1.0, 3.0, 2.0, 5.0], "x": [1.0, 2.0, 3.0, 4.0],
...                    "g": ["a", "a", "b", "b"]})
>>> fit = stats.feols(t, "y ~ x", vcov="HC1")
>>> fit.tidy()[["term", "estimate"]].round(4).values.tolist()  # Sxy / Sxx = 5.5 / 5 = 1.1
[['Intercept', 0.0], ['x', 1.1]]
>>> fit.vcov({"CR1": "g"}).n_clusters        # a new Fit; ``fit`` keeps its HC1 variance
2

Only small results leave the engine: the cross products by cell of the factors (one
aggregation pass; X'X and X'y are assembled in NumPy), per-cluster score sums aggregated to
r x r, per-level means for the within transformation (two passes), one pass per IRLS step
of the logit. Solving, collinearity and the variance are NumPy on p x p matrices.
See docs/stats.md.
"""

from econscope.stats._design import Design, Factor, FormulaError
from econscope.stats._fit import TIDY_COLUMNS, VCOV_KINDS, Fit, Vcov, VcovKind, feols, logit
from econscope.stats._render import ETable, Summary, etable, fixed, stars

__all__ = [
    "TIDY_COLUMNS",
    "VCOV_KINDS",
    "Design",
    "ETable",
    "Factor",
    "Fit",
    "FormulaError",
    "Summary",
    "Vcov",
    "VcovKind",
    "etable",
    "feols",
    "fixed",
    "logit",
    "stars",
]
