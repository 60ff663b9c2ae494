#!/usr/bin/env bash
# Installs the npm dependencies when they are missing or older than package-lock.json (a fresh clone).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi
