"""Regressions from sufficient statistics (private).

``suffstats`` builds the Ibis expressions whose small results (k x k cross products,
per-cluster sums aggregated to k x k) are all that leaves the engine; ``kernels`` solves
and estimates variances on those small NumPy arrays; ``logit`` runs IRLS with one engine
pass per iteration.
"""
