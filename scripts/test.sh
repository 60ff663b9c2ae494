#!/usr/bin/env bash
# The test command (npm test): prepares what the suite needs on this machine (PostgreSQL, a Docker
# engine, the test image, the test databases), installs the dependencies if they are missing, checks
# types, lints (npm run lint: eslint and prettier --check; any finding fails the run before a spec runs),
# and runs the whole suite against both back ends. BOSUN_LINT=0 skips the lint (say, to run specs over
# work in progress). Its last line is "N passed, N failed"; it exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-test-env.sh
bash scripts/install-deps.sh
npx tsc -p tsconfig.json --noEmit
if [ "${BOSUN_LINT:-1}" != 0 ]; then
  npm run --silent lint
fi
# With no arguments, the whole suite; with spec files, only those (.mocharc.json names no spec, so that
# `npx mocha spec/x.spec.ts` runs that file alone rather than adding it to everything).
if [ "$#" -eq 0 ]; then set -- "spec/**/*.spec.ts"; fi
exec npx mocha "$@"
