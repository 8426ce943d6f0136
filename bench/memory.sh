#!/usr/bin/env bash
# Peak resident memory of `pgproof lint` against the size of one migration file, to show the slope:
# it should grow with the largest statement and a few MiB per MiB of SQL, not with the parse of the
# whole file. Files come from bench/gen-large-migration.py (tables, ALTERs, indexes, seed INSERTs,
# functions with long bodies), plus one file that is a single INSERT.
#
# usage: bench/memory.sh [PGPROOF_BINARY]   (default: target/release/pgproof, built here)
# env:   PGPROOF_MEMORY_SIZES (default "1 5 15"): sizes in MiB
# needs: GNU time (apt-get install time), python3
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/time ] || { echo "GNU time is missing: apt-get install time" >&2; exit 2; }
if [ $# -ge 1 ]; then
  pgproof=$(realpath "$1")
else
  cargo build --release --locked --quiet
  pgproof=$(realpath target/release/pgproof)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

measure() { # name dir
  local code=0
  /usr/bin/time -f '%M %e' -o "$work/time" "$pgproof" lint --format json "$2" >/dev/null 2>"$work/stderr" || code=$?
  read -r kib seconds < <(tail -1 "$work/time")
  printf '%-24s %8s bytes  peak %6d MiB  %6.2f s  exit %d\n' "$1" "$(cat "$2"/*.sql | wc -c)" $((kib / 1024)) "$seconds" "$code"
}

echo "pgproof: $pgproof"
for mib in ${PGPROOF_MEMORY_SIZES:-1 5 15}; do
  mkdir -p "$work/mix$mib"
  python3 bench/gen-large-migration.py "$mib" > "$work/mix$mib/001_large.sql"
  measure "mixed ${mib} MiB" "$work/mix$mib"
done
mkdir -p "$work/insert"
python3 - "$work/insert/001_seed.sql" <<'PY'
import sys
rows = ",\n".join(f"({i}, 'v{i}', {i}.5, NULL)" for i in range(330000))
open(sys.argv[1], "w").write(
    "CREATE TABLE t (a int, b text, c numeric, d text);\n"
    f"INSERT INTO t (a, b, c, d) VALUES\n{rows};\nCREATE INDEX ON t (a);\n")
PY
measure "one 11 MiB INSERT" "$work/insert"
