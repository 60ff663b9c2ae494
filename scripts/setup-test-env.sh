#!/usr/bin/env bash
# Prepares this machine for the test suite: the services (scripts/setup-services.sh: PostgreSQL, the
# Docker engine, the test image), then the databases bosun_test, bosun_test2 and bosun_test_soak, new
# each run.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "setup: error: $*" >&2; exit 1; }

bash scripts/setup-services.sh
PSQL_USER=root
psql -h 127.0.0.1 -U "$PSQL_USER" -d postgres -tAc 'select 1' >/dev/null 2>&1 || PSQL_USER=postgres
# Created afresh for every run, so that the suite migrates an empty database whatever an earlier run left.
for db in bosun_test bosun_test2 bosun_test_soak; do
  psql -h 127.0.0.1 -U "$PSQL_USER" -d postgres -qc "drop database if exists $db with (force)" || die "cannot drop database $db"
  psql -h 127.0.0.1 -U "$PSQL_USER" -d postgres -qc "create database $db" || die "cannot create database $db"
done
