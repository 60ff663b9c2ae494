#!/usr/bin/env bash
# npm run soak: sets up what the soak needs (the dependencies, PostgreSQL, the Docker engine, the test
# image; the soak creates and empties its own database, BOSUN_SOAK_DATABASE_URL), then runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/setup-services.sh
exec node --import tsx soak/main.ts "$@"
