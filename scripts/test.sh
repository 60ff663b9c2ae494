#!/usr/bin/env bash
# The test command (npm test): prepares what the suite needs on this machine (PostgreSQL, a Docker
# engine, the test image), installs the dependencies if they are missing, and runs the whole suite
# against both back ends. Its last line is "N passed, N failed"; it exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-test-env.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "test: installing dependencies"
  npm ci --no-audit --no-fund
fi
npx tsc -p tsconfig.json --noEmit
# With no arguments, the whole suite; with spec files, only those (.mocharc.json names no spec, so that
# `npx mocha spec/x.spec.ts` runs that file alone rather than adding it to everything).
if [ "$#" -eq 0 ]; then set -- "spec/**/*.spec.ts"; fi
exec npx mocha "$@"
