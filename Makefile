# Every target creates what it needs and is safe to rerun.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
ANVIL := node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil
# Ape's data folder stays inside the ignored build area, never the user's home.
export APE_DATA_FOLDER := $(CURDIR)/.devnet/ape-data
export PATH := $(CURDIR)/$(BIN):$(CURDIR)/$(dir $(ANVIL)):$(PATH)

.PHONY: all setup browser test fuzz demo desk bench exports lint compile clean

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

# The desk's browser test drives Debian's Chromium (never `playwright install`):
# installed here when missing and run as root; otherwise stop with the command.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then echo "installing Chromium for the desk's browser test (apt-get)"; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium chromium-driver; \
	else echo "error: Chromium is missing; run as root: apt-get install -y --no-install-recommends chromium chromium-driver" >&2; exit 1; fi

compile: setup
	$(BIN)/ape compile

# pytest's exit code 5 (no test collected) counts as a failure.
test: setup browser
	$(BIN)/ape test tests -p no:cacheprovider; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "error: no tests were collected" >&2; exit 1; fi; exit $$rc

# A long property-testing campaign (not part of `make test`); tests/robust fuzzes every
# file reader through its command with 10,000 inputs each.
fuzz: setup
	HYPOTHESIS_PROFILE=fuzz $(BIN)/ape test tests/unit tests/report tests/robust -p no:cacheprovider -k "not e2e"

demo: setup
	$(BIN)/python -m bci_registry.demo

# Ours and the peers (EAS, Safe: npm dev dependencies) on one anvil, then the desk.
bench: setup
	$(BIN)/python -m bench
	$(BIN)/python tests/desk/bench_desk.py

# samples/exports/: the UNTP DCC and EPCIS exports of each sample from a
# deterministic anvil run.
exports: compile
	$(BIN)/python -m bci_registry.interop.exports_run

# The demo's story, then the customs desk on 127.0.0.1 until Ctrl-C.
desk: setup
	$(BIN)/python -m bci_registry.desk.devnet

lint: setup
	$(BIN)/ruff check src tests scripts bench
	$(BIN)/ruff format --check src tests scripts bench
	$(BIN)/mypy
	$(BIN)/python -m bci_registry.abi_export --check

clean:
	rm -rf .build .devnet .pytest_cache .mypy_cache .ruff_cache
