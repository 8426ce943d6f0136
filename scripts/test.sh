#!/usr/bin/env bash
# The whole test suite: unit tests, docs-as-tests, fixture snapshots and CLI tests on the built binary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-prereqs.sh
# The live-database tests start a throwaway PostgreSQL: use Debian's server binaries when none are on the PATH.
if ! command -v initdb >/dev/null 2>&1; then
  for bin in /usr/lib/postgresql/*/bin; do [ -x "$bin/initdb" ] && export PATH="$PATH:$bin"; done
fi
# Container tests use local images pgproof-test/postgres:<major> (built once, then cached by tag).
# PGPROOF_SKIP_CONTAINER_TESTS=1 disables them explicitly; otherwise a missing engine fails the run.
if [ "${PGPROOF_SKIP_CONTAINER_TESTS:-0}" != 1 ]; then
  command -v docker >/dev/null 2>&1 || { echo "docker is not installed: install Docker Engine, or set PGPROOF_SKIP_CONTAINER_TESTS=1 to skip the container tests" >&2; exit 1; }
  docker info >/dev/null 2>&1 || { echo "the Docker engine is not reachable (docker info failed)" >&2; exit 1; }
  for major in ${PGPROOF_TEST_MAJORS:-13 15 17}; do
    scripts/build-test-image.sh "$major"
  done
fi
# Snapshots must match what is committed; never write new ones in a test run.
export INSTA_UPDATE=no
# The tests run the built binary on single files, which would otherwise write lint's replay cache
# to the user's cache directory; tests/cache.rs passes `--cache-dir` and removes this variable.
export PGPROOF_NO_CACHE=1
# The crate packages for crates.io (manifest and file list; nothing is published).
cargo package --no-verify --locked --allow-dirty --quiet
cargo test --locked --all-targets
# The Python wheel carrying the binary builds, installs with pip into a new virtualenv and runs
# (nothing is published).
scripts/build-wheel.sh
