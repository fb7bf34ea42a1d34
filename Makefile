# NEO — developer entry points. GNU make; a fresh Debian 12 needs python3, python3-venv
# and (for the postgres-marked tests) a PostgreSQL server on 127.0.0.1:5432.
#
#   make demo        set up and open the app with demo officers
#   make basemap     fetch the demo's OpenStreetMap extract and build its basemap (once)
#   make test        set up and run the whole test suite (headless)
#   make lint        ruff + import-linter contracts
#   make attacks     the hostile-input suite in full (tests/attacks; make test runs it short)
#   make bench       every benchmark (JSON lines on stdout); BENCH=store.overhead for one
#   make bundle      the tablet app as a one-folder PyInstaller bundle in dist/neo (docs/packaging.md)
#   make test-bundle build it if needed and test the frozen app (tests/bundle, slow)
#   make screenshots regenerate the UI screenshots
#   make clean       build outputs and caches; `make distclean` also removes .venv and .demo

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.neo-installed
# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="tests/core -x"`.
PYTEST_ARGS ?=
# One benchmark by name, e.g. `make bench BENCH=store.overhead`; SIZE overrides its N,
# REPEATS its number of timed repeats.
BENCH   ?=
SIZE    ?=
REPEATS ?=

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help venv test lint bench demo basemap screenshots bundle test-bundle clean distclean

help:
	@echo "make demo | test | lint | bench [BENCH=name] | screenshots | bundle | test-bundle | venv | clean | distclean"

# The venv is (re)installed when it is missing or pyproject.toml changed. Everything it
# prints goes to stderr, so that `make bench` keeps stdout for JSON lines only.
$(BIN)/python:
	@if ! $(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then \
	    echo "NEO needs Python >= 3.11 ($(PYTHON) is $$($(PYTHON) -V 2>&1))" >&2; exit 1; fi
	@$(PYTHON) -m venv $(VENV) >&2 || { \
	    echo "python3 -m venv failed: on Debian/Ubuntu, apt-get install python3-venv" >&2; exit 1; }

$(STAMP): pyproject.toml | $(BIN)/python
	@echo "Installing NEO and its dev/hq dependencies into $(VENV)..." >&2
	@$(BIN)/python -m pip install --upgrade pip "setuptools>=69" wheel >&2
	@$(BIN)/python -m pip install -e ".[dev,hq]" >&2
	@touch $@

venv: $(STAMP)

# The example third-party module, pip-installed into the venv as a module developer
# would (editable): its tests run in the suite (tests/devkit/test_example.py).
EXAMPLE_STAMP := $(VENV)/.neo-bicycles-installed
$(EXAMPLE_STAMP): examples/neo-bicycles/pyproject.toml $(STAMP)
	@$(BIN)/python -m pip install --no-build-isolation -e examples/neo-bicycles >&2
	@touch $@

# pytest exits non-zero on any failure, and so does make. Tests marked `postgres`
# need the server on 127.0.0.1:5432 (.ci/run starts it) and skip when it is absent.
test: $(STAMP) $(EXAMPLE_STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest $(PYTEST_ARGS)

# Both checks always run; the target fails if either does.
lint: $(STAMP)
	@status=0; \
	echo "ruff check neo tests benchmarks"; \
	$(BIN)/ruff check neo tests benchmarks || status=1; \
	echo "lint-imports"; \
	$(BIN)/lint-imports --no-logo || status=1; \
	exit $$status

# The hostile-input suite (tests/attacks, docs/security.md) in full: many fuzzing examples,
# on SQLite and PostgreSQL. `make test` (so .ci/run) runs it with NEO_ATTACKS=short.
.PHONY: attacks
attacks: $(STAMP)
	NEO_ATTACKS=full QT_QPA_PLATFORM=offscreen $(BIN)/pytest tests/attacks $(PYTEST_ARGS)

bench: $(STAMP)
	@$(BIN)/python -m benchmarks.run $(if $(BENCH),--only $(BENCH)) $(if $(SIZE),--size $(SIZE)) $(if $(REPEATS),--repeats $(REPEATS))

# The fleet fault run (benchmarks/fleet_faults.py): the fleet load through a fault-injecting
# proxy, HQ's workers killed, HQ and a private PostgreSQL cluster restarted mid-run, then
# `neo-hq check-fleet`; one JSON object on stdout, the checker's report on stderr, non-zero
# if anything differs. More or less of it: FAULTS_ARGS="--devices 200 --duration 300".
FAULTS_ARGS ?=
.PHONY: faults
faults: $(STAMP)
	@$(BIN)/python -m benchmarks.fleet_faults $(FAULTS_ARGS)

# The demo's basemap: the OpenStreetMap extract fetched once from PyPI (hash-checked) into
# .cache/osm, the package built once into .cache/neo and handed to the demo HQ.
# Without network on the first run the demo still starts, without its map.
basemap: $(STAMP)
	@$(BIN)/python -m neo.hq.cli basemap demo --install --data-dir .demo/hq \
	    || echo "make basemap failed: the demo runs without its map (make basemap to retry)" >&2

demo: $(STAMP) basemap
	$(BIN)/python -m neo.demo

screenshots: $(STAMP)
	QT_QPA_PLATFORM=$${QT_QPA_PLATFORM:-offscreen} $(BIN)/python scripts/screenshots.py

# The bundle is rebuilt only when something it holds changed (NEO's code and data
# outside neo/hq, resources/, the spec, the venv); PyInstaller's work files stay in
# build/pyinstaller. Either way the sizes are printed (total, then the 10 largest parts).
BUNDLE_STAMP   := $(VENV)/.neo-bundle-installed
BUNDLE_EXE     := dist/neo/neo
BUNDLE_SOURCES := neo.spec bundle/rthook_neo.py $(STAMP) \
    $(shell find neo resources -type f ! -path 'neo/hq/*' ! -path '*/__pycache__/*' ! -name '*.pyc' 2>/dev/null)

$(BUNDLE_STAMP): $(STAMP)
	@$(BIN)/python -m pip install -e ".[bundle]" >&2
	@touch $@

$(BUNDLE_EXE): $(BUNDLE_STAMP) $(BUNDLE_SOURCES)
	@echo "Building the bundle (PyInstaller, a few minutes on 2 cores)..." >&2
	@start=$$(date +%s); \
	$(BIN)/pyinstaller --noconfirm --log-level WARN --workpath build/pyinstaller --distpath dist neo.spec; \
	echo "bundle built in $$(( $$(date +%s) - start )) s" >&2
	@touch $@

bundle: $(BUNDLE_EXE)
	@$(BIN)/python scripts/bundle_size.py dist/neo

# The frozen app's tests (tests/bundle): self-test, encrypted store, enrolment, lookup and
# sync against a real HQ on loopback, a third-party module added beside the executable.
test-bundle: bundle
	NEO_BUNDLE=dist/neo QT_QPA_PLATFORM=offscreen $(BIN)/pytest tests/bundle -m slow $(PYTEST_ARGS)

clean:
	rm -rf build dist .pytest_cache .ruff_cache .hypothesis .import_linter_cache
	rm -rf *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) .demo
