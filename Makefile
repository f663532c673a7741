# infra_monitor — every target creates .venv and installs what it needs on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: demo demo-once test lint format bench install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## create .venv and install infra_monitor with its dev tools

demo: $(STAMP) ## start the local stack and the Dagster UI on http://127.0.0.1:3000 (Ctrl-C stops everything)
	$(PY) -m infra_monitor.devstack demo

demo-once: $(STAMP) ## the same stack headless: materialise every asset, run every check, print a summary
	$(PY) -m infra_monitor.devstack demo-once

test: $(STAMP) ## the whole suite: unit tests and integration tests against the local stack
	$(PY) -m pytest

lint: $(STAMP) ## ruff (lint + format check) and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(STAMP) ## benchmarks beside bare baselines: a table and build/bench/results.json
	$(PY) -m benchmarks

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache
