#!/usr/bin/env bash
# Every static check, quick enough for a local loop (`make lint`) and run first by `make test`:
# ruff (lint and format), mypy, import-linter's layer and package contracts, ESLint.
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "== ruff"
.venv/bin/ruff check server workers tests bench infra
.venv/bin/ruff format --check --quiet server workers tests bench infra
echo "== mypy"
.venv/bin/mypy
echo "== import contracts"
.venv/bin/lint-imports --no-cache
echo "== eslint"
infra/scripts/lint-js.sh
