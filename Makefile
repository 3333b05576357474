# Every target creates what it needs and is safe to rerun.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
ANVIL := node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil
# Ape's data folder stays inside the ignored build area, never the user's home.
export APE_DATA_FOLDER := $(CURDIR)/.devnet/ape-data
export PATH := $(CURDIR)/$(BIN):$(CURDIR)/$(dir $(ANVIL)):$(PATH)

.PHONY: all setup test fuzz demo bench lint compile clean

all: test

$(VENV)/.installed: requirements.lock.txt requirements-dev.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (Python 3.11 is required)" >&2; exit 2; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade 'pip==24.3.1' 2>&1 | grep -v 'is ignored' || true
	$(BIN)/pip install --quiet -r requirements-dev.txt 2>&1 | grep -v 'is ignored' ; test $${PIPESTATUS[0]} -eq 0
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e . 2>&1 | grep -v 'is ignored' ; test $${PIPESTATUS[0]} -eq 0
	$(BIN)/pip check
	touch $@

$(ANVIL): package.json package-lock.json
	npm ci --no-audit --no-fund
	test -x $(ANVIL)
	touch $@

setup: $(VENV)/.installed $(ANVIL)

compile: setup
	$(BIN)/ape compile

# pytest's exit code 5 (no test collected) counts as a failure.
test: setup
	$(BIN)/ape test tests -p no:cacheprovider; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "error: no tests were collected" >&2; exit 1; fi; exit $$rc

# A long property-testing campaign (not part of `make test`); tests/robust fuzzes every
# file reader through its command with 10,000 inputs each.
fuzz: setup
	HYPOTHESIS_PROFILE=fuzz $(BIN)/ape test tests/unit tests/report tests/robust -p no:cacheprovider -k "not e2e"

demo: setup
	$(BIN)/python -m bci_registry.demo

bench: setup
	$(BIN)/python -m bench

lint: setup
	$(BIN)/ruff check src tests scripts bench
	$(BIN)/ruff format --check src tests scripts bench
	$(BIN)/mypy
	$(BIN)/python -m bci_registry.abi_export --check

clean:
	rm -rf .build .devnet .pytest_cache .mypy_cache .ruff_cache
