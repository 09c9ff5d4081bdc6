# econscope: the two commands are `make demo` and `make test`. Both create .venv from
# nothing but python3 (>= 3.11) and make, and keep it up to date with pyproject.toml.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
PYTEST_ARGS ?=

.PHONY: demo test lint typecheck bench bench-scale clean help chromium

help:
	@echo "make demo   set up .venv and run the demo (simulated bank -> report)"
	@echo "make test   set up .venv with dev extras, run ruff and the test suite"
	@echo "make bench  run the benchmarks and rewrite docs/performance.md"
	@echo "make bench-scale  smallbiz run at 10k, 30k, 100k firms (SCALE_FIRMS='... 1000000')"

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "econscope needs Python >= 3.11 (set PYTHON=python3.11)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -U pip

$(VENV)/.stamp-base: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	@touch $@

$(VENV)/.stamp-dev: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[dev]'
	@touch $@ $(VENV)/.stamp-base

demo: $(VENV)/.stamp-base
	$(BIN)/econscope demo

lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

# mypy, strict on econscope.stats ([tool.mypy] in pyproject.toml).
typecheck: $(VENV)/.stamp-dev
	$(BIN)/mypy

# The browser test needs headless Chromium (Debian package `chromium`): install it when it
# is missing and that is possible (root + apt-get); otherwise say why, and the test skips.
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's chromium for the browser test"; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
		|| echo "chromium could not be installed: the browser test will be skipped"; \
	else \
		echo "chromium is missing and needs root + apt-get to install: the browser test will be skipped"; \
	fi

test: lint typecheck chromium
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

bench: $(VENV)/.stamp-dev
	$(BIN)/python -m benchmarks.run

# Bank scale (docs/performance.md): hours and ~100 GB of disk at 1M firms, so not in `bench`.
SCALE_FIRMS ?= 10000 30000 100000
SCALE_DIR ?= /tmp/econscope-bench-scale
bench-scale: $(VENV)/.stamp-dev
	$(BIN)/python -m benchmarks.bench_scale --firms $(SCALE_FIRMS) --dir $(SCALE_DIR)

clean:
	rm -rf $(VENV) demo-output .pytest_cache .ruff_cache
