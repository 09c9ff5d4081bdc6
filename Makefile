# econscope: the two commands are `make demo` and `make test`. Both create .venv from
# nothing but python3 (>= 3.11) and make, and keep it up to date with pyproject.toml.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
PYTEST_ARGS ?=

.PHONY: demo test test-spark lint typecheck bench bench-scale bench-spark clean help chromium java

help:
	@echo "make demo   set up .venv and run the demo (simulated bank -> report)"
	@echo "make test   set up .venv with dev extras, run ruff and the test suite (DuckDB)"
	@echo "make test-spark  install the spark extra and Java, run the Spark cases"
	@echo "make bench  run the benchmarks and rewrite docs/performance.md"
	@echo "make bench-scale  smallbiz run at 10k, 30k, 100k firms (SCALE_FIRMS='... 1000000')"
	@echo "make bench-spark  DuckDB vs Spark local[2], stage by stage (SPARK_BENCH_FIRMS)"

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

$(VENV)/.stamp-spark: pyproject.toml $(VENV)/.stamp-dev
	$(PIP) install -e '.[dev,spark]'
	@touch $@

demo: $(VENV)/.stamp-base
	$(BIN)/econscope demo

lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

# mypy, strict on econscope.stats and econscope.smallbiz.method ([tool.mypy] in pyproject.toml).
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

# Spark (the pyspark engine, installed with the dev extras) needs Java 17: install Debian's
# headless JRE when java is missing and that is possible (root + apt-get); otherwise say
# why, and the Spark tests skip (under CI=true they fail instead: CI must run Spark).
java:
	@command -v java >/dev/null 2>&1 || [ -n "$$JAVA_HOME" ] || \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's openjdk-17-jre-headless for the Spark engine"; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless; } \
		|| echo "Java could not be installed: the Spark tests will be skipped (an error under CI=true)"; \
	else \
		echo "Java is missing and needs root + apt-get to install: the Spark tests will be skipped"; \
	fi

# `make test` runs every test on DuckDB; the Spark cases (marker `spark`) run in
# `make test-spark`, which installs the spark extra and Java (docs/spark.md: on this 2-core
# machine they do not yet fit the 15-minute budget of `make test`).
test: lint typecheck chromium
	$(BIN)/python -m pytest -n 2 -m "not spark" $(PYTEST_ARGS)

test-spark: $(VENV)/.stamp-spark java
	$(BIN)/python -m pytest -n 2 -m spark $(PYTEST_ARGS)

bench: $(VENV)/.stamp-dev
	$(BIN)/python -m benchmarks.run

# Bank scale (docs/performance.md): hours and ~100 GB of disk at 1M firms, so not in `bench`.
SCALE_FIRMS ?= 10000 30000 100000
SCALE_DIR ?= /tmp/econscope-bench-scale
bench-scale: $(VENV)/.stamp-dev
	$(BIN)/python -m benchmarks.bench_scale --firms $(SCALE_FIRMS) --dir $(SCALE_DIR)

# Spark vs DuckDB only (SPARK_BENCH_FIRMS, default 10,000): docs/performance.md's Spark section.
bench-spark: $(VENV)/.stamp-spark java
	$(BIN)/python -m benchmarks.run spark

clean:
	rm -rf $(VENV) demo-output .pytest_cache .ruff_cache
