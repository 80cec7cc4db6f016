#!/usr/bin/env bash
# Every suite, against the services infra/testenv.py started (TEST_DATABASE_URL, TEST_REDIS_URL).
set -euo pipefail
cd "$(dirname "$0")/../.."
infra/scripts/lint.sh
echo "== mini program (jest)"
(
  cd miniprogram
  # npm ci only when the lock file changed since the last install: quick the second time.
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
  npx --no-install jest --ci
)
echo "== pytest"
.venv/bin/python -m pytest "$@"
