# The two README commands. Both set up everything they need and are quick the second time.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3.11
# The stamp changes with pyproject.toml, so a dependency change reinstalls.
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: run test lint system-deps

run: $(STAMP)
	$(PY) -m infra.run

test: $(STAMP) system-deps
	$(PY) -m infra.testenv -- infra/scripts/run-test-suites.sh

# The static checks alone (ruff, mypy, import contracts, ESLint): the quick local loop.
lint: $(STAMP) system-deps
	infra/scripts/lint.sh

system-deps:
	infra/scripts/setup-system.sh

$(STAMP): pyproject.toml
	PYTHON=$(PYTHON) infra/scripts/setup-python.sh
	touch $@
