#!/usr/bin/env bash
# The whole test suite: unit tests, docs-as-tests, fixture snapshots and CLI tests on the built binary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-prereqs.sh
# The live-database tests start a throwaway PostgreSQL: use Debian's server binaries when none are on the PATH.
if ! command -v initdb >/dev/null 2>&1; then
  for bin in /usr/lib/postgresql/*/bin; do [ -x "$bin/initdb" ] && export PATH="$PATH:$bin"; done
fi
# Snapshots must match what is committed; never write new ones in a test run.
export INSTA_UPDATE=no
cargo test --locked --all-targets
