#!/usr/bin/env bash
# ESLint over the web pages' JavaScript (server/static) and the mini program, with the pinned tool
# package in infra/lint (eslint.config.mjs says what is checked how). Any finding fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
(
  cd infra/lint
  # npm ci only when the lock file changed since the last install: quick the second time.
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
)
infra/lint/node_modules/.bin/eslint -c infra/lint/eslint.config.mjs --max-warnings 0 \
  server/static miniprogram infra/lint "$@"
