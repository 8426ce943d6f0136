#!/usr/bin/env bash
# Builds the Python wheel that carries the pgproof binary (pyproject.toml: maturin, bindings =
# "bin", as squawk and ruff ship theirs) and checks it end to end: installed with pip into a new
# virtualenv, the `pgproof` it puts on that PATH runs and is this crate's version. Nothing is
# published; the wheel is left in target/wheels.
#
# usage: scripts/build-wheel.sh
# needs: python3 with pip and venv (maturin is installed with pip when missing)
set -euo pipefail
cd "$(dirname "$0")/.."
# maturin from the Python that has it, else installed into a virtualenv of its own (Debian's
# system Python refuses `pip install` outside one).
maturin=(python3 -m maturin)
if ! python3 -m maturin --version >/dev/null 2>&1; then
  tools=target/wheel-tools
  [ -x "$tools/bin/maturin" ] || { python3 -m venv "$tools" && "$tools/bin/python" -m pip install --quiet "maturin>=1.9,<2"; }
  maturin=("$tools/bin/maturin")
fi
rm -f target/wheels/pgproof-*.whl
"${maturin[@]}" build --release --locked --quiet -o target/wheels
wheel=$(ls target/wheels/pgproof-*.whl)
venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --no-index "$wheel"
said=$("$venv/bin/pgproof" --version)
expected=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
case "$said" in
  "pgproof $expected"*) ;;
  *) echo "build-wheel: the wheel's pgproof says \`$said\`, expected version $expected" >&2; exit 1 ;;
esac
# It lints, too: a hazard in a migration is found by the installed binary.
work=$(mktemp -d)
trap 'rm -rf "$venv" "$work"' EXIT
printf 'CREATE TABLE t (id bigint PRIMARY KEY, name text);\n' > "$work/001_init.sql"
printf 'CREATE INDEX t_name ON t (name);\n' > "$work/002_index.sql"
# (exit code 1: it found something)
linted=$("$venv/bin/pgproof" lint --format compact "$work" || true)
case "$linted" in
  *create-index-non-concurrently*) ;;
  *) echo "build-wheel: the wheel's pgproof did not lint: $linted" >&2; exit 1 ;;
esac
echo "build-wheel: $(basename "$wheel") ($(du -h "$wheel" | cut -f1)) installs with pip and runs: $said"
