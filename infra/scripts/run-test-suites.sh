#!/usr/bin/env bash
# Every suite, against the services infra/testenv.py started (TEST_DATABASE_URL, TEST_REDIS_URL).
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "== import contracts"
.venv/bin/lint-imports
echo "== pytest"
.venv/bin/python -m pytest "$@"
