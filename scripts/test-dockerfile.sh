#!/usr/bin/env bash
# Builds the Dockerfile and checks the image it makes (CI runs this after the test suite):
# the build from local stand-ins of its base images (scripts/build-base-images.sh, cached by tag),
# then the image's binary names the commit, runs as a user other than root, lints a directory
# mounted read-only with the same JSON and exit code as the binary built on the host, and reads a
# migration from standard input. The image and the build stage's leftovers are removed after.
#
# usage: scripts/test-dockerfile.sh
# env:   PGPROOF_BIN the host binary to compare with (default target/debug/pgproof)
# needs: root (debootstrap, for the stand-ins), docker
set -euo pipefail
cd "$(dirname "$0")/.."
host_bin=${PGPROOF_BIN:-target/debug/pgproof}
[ -x "$host_bin" ] || { echo "test-dockerfile: $host_bin is not built (cargo build first)" >&2; exit 2; }
tag="pgproof-test/pgproof:dockerfile-$$"
# The classic builder: its build-stage images carry the stage's label, which cleanup removes by
# (BuildKit keeps a build cache instead, which this script would leave behind).
export DOCKER_BUILDKIT=0
args=$(scripts/build-base-images.sh)
# The build stage's images (labelled) go with the image: removing a leaf removes its untagged
# parents, so a few rounds remove a chain.
cleanup() {
  docker image rm -f "$tag" >/dev/null 2>&1 || true
  for _ in 1 2 3 4 5; do
    ids=$(docker images -a -q --filter label=pgproof.stage=build)
    [ -n "$ids" ] || break
    # shellcheck disable=SC2086 # one id per word
    docker image rm -f $ids >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT
commit=$(git rev-parse --short=12 HEAD)
started=$(date +%s)
log=$(mktemp /tmp/pgproof-dockerfile-build.XXXXXX)
# shellcheck disable=SC2086 # the arguments are words
if ! docker build $args --build-arg "PGPROOF_COMMIT=$commit" -t "$tag" . > "$log" 2>&1; then
  tail -n 40 "$log" >&2
  rm -f "$log"
  echo "test-dockerfile: docker build failed" >&2
  exit 1
fi
rm -f "$log"
echo "test-dockerfile: built $tag in $(( $(date +%s) - started )) s ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
fail() { echo "test-dockerfile: $*" >&2; exit 1; }

version=$(docker run --rm "$tag" --version)
[ "$version" = "pgproof $(cargo pkgid | sed 's/.*[#@]//') (commit $commit)" ] || fail "--version says '$version'"
user=$(docker run --rm --entrypoint id "$tag" -u)
[ "$user" != 0 ] || fail "the image runs as root"

# The same findings and exit code as the host's binary, on a fixture with errors, mounted read-only.
out=$(mktemp -d /tmp/pgproof-dockerfile.XXXXXX)
trap 'cleanup; rm -rf "$out"' EXIT
fixture=sql-fixtures/migrations/bad-input
set +e
docker run --rm -v "$PWD/sql-fixtures:/work/sql-fixtures:ro" "$tag" lint --format json "$fixture" > "$out/image.json" 2> "$out/image.err"
in_image=$?
"$host_bin" lint --no-cache --format json "$fixture" > "$out/host.json" 2> /dev/null
on_host=$?
set -e
[ "$in_image" = "$on_host" ] || fail "lint exited with $in_image in the image, $on_host on the host: $(cat "$out/image.err")"
[ "$in_image" = 1 ] || fail "lint of $fixture exited with $in_image, not 1 (findings at error level)"
cmp -s "$out/image.json" "$out/host.json" || fail "the image's JSON differs from the host binary's: $(diff "$out/image.json" "$out/host.json" | head -n 20)"
grep -q '"rule": *"syntax-error"' "$out/image.json" || fail "no syntax-error finding in the image's JSON"

# A migration on standard input, as a CI step pipes one.
printf 'CREATE INDEX orders_total ON orders (total);\n' \
  | docker run --rm -i "$tag" lint --format compact --stdin-filename migrations/0002_index.sql - > "$out/stdin.txt" 2> /dev/null || true
grep -q 'create-index-non-concurrently' "$out/stdin.txt" \
  || fail "linting standard input in the image gave: $(cat "$out/stdin.txt")"
# `lint --since` in a repository mounted from the host (owned by another user): only the
# migration added since the commit is reported on.
repo="$out/repo"
mkdir -p "$repo/db"
printf 'CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n' > "$repo/db/0001_accounts.sql"
git -C "$repo" init -q
git -C "$repo" -c user.name=ci -c user.email=ci@localhost add -A
git -C "$repo" -c user.name=ci -c user.email=ci@localhost commit -q -m base
printf 'CREATE INDEX accounts_email ON accounts (email);\n' > "$repo/db/0002_index.sql"
docker run --rm -v "$repo:/work" "$tag" lint --since HEAD --format compact db > "$out/since.txt" 2> "$out/since.err" || true
grep -q '^db/0002_index.sql:1:1: warning create-index-non-concurrently' "$out/since.txt" \
  || fail "lint --since in the image gave: $(cat "$out/since.txt" "$out/since.err")"
! grep -q '0001_accounts' "$out/since.txt" || fail "lint --since reported on the committed migration: $(cat "$out/since.txt")"
echo "test-dockerfile: the image runs as user $user, names commit $commit, and lints as the host's binary does"
