#!/usr/bin/env bash
# npm run bench: sets up what the bench needs (the dependencies, PostgreSQL, the Docker engine, the test
# image; the bench creates and empties its own database, BOSUN_BENCH_DATABASE_URL), builds, then runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/setup-services.sh
npm run build
exec node dist/bench/run.js "$@"
