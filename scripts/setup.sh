#!/usr/bin/env bash
# One command for a fresh machine: install prerequisites, install pgproof, and lint the bundled example.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-prereqs.sh
echo "== building and installing pgproof (cargo prints its progress; a few minutes on 2 cores)"
cargo install --path . --locked
echo
echo "== pgproof lint examples/migrations (the example has hazards on purpose; exit code 1 means findings)"
set +e
pgproof lint examples/migrations
status=$?
set -e
if [ "$status" -gt 1 ]; then
  echo "pgproof failed with exit code $status" >&2
  exit "$status"
fi
echo "pgproof is installed as $(command -v pgproof)"
