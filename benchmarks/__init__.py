"""Benchmarks: econscope and its peers measured side by side; results in docs/performance.md."""
