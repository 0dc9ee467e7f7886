# Shegong Workbench — the README's two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8866
WORKSPACE ?= workspace

.PHONY: demo test test-fast lint bench lab clean

$(VENV)/.base: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.dev: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.base $@

## demo: build the demo workspace (兴安盟, pilot years 2021 and 2022) and serve it on http://127.0.0.1:8866
demo: $(VENV)/.base
	$(VENV)/bin/shegong demo --workspace $(WORKSPACE) --port $(PORT)

## test: the style checks and the whole test suite (browser tests need Debian's chromium; see .ci/run)
test: $(VENV)/.dev lint
	$(PY) -m pytest

## test-fast: the inner loop — no browser, no full demo, no wheel build
test-fast: $(VENV)/.dev
	$(PY) -m pytest -m "not browser and not slow and not postgres" -x -q

## lint: ruff (rules in pyproject.toml) and ruff format, as CI runs them
lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## bench: benchmarks with ratios against their baselines
bench: $(VENV)/.dev
	$(PY) -m benchmarks

## lab: JupyterLab for trainees and evaluators (terminals disabled)
lab: $(VENV)/.base
	$(VENV)/bin/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.terminals_enabled=False --allow-root

clean:
	rm -rf $(WORKSPACE) .pytest_cache
