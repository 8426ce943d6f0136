#!/usr/bin/env bash
# The whole test suite: unit tests, docs-as-tests, fixture snapshots and CLI tests on the built binary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-prereqs.sh
# Snapshots must match what is committed; never write new ones in a test run.
export INSTA_UPDATE=no
cargo test --locked --all-targets
