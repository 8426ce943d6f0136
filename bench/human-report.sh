#!/usr/bin/env bash
# Times the human report against the JSON report on many findings in one file: the human report
# must grow linearly with the findings, as JSON does (it once took 31.6 s for 20,000 findings in a
# 20,000-line file, against 0.7 s for JSON).
#
# usage: bench/human-report.sh [FINDINGS]   (default 20000: one finding per line of one file)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
cargo build --release --locked --quiet
pgproof=$(realpath target/release/pgproof)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/migrations"
{
  echo "CREATE TABLE t (id int);"
  for i in $(seq 2 "$n"); do echo "CREATE INDEX i$i ON t (id);"; done
} > "$dir/migrations/001_many.sql"
for format in json human; do
  start=$(date +%s.%N)
  set +e
  "$pgproof" lint --format "$format" --color never "$dir/migrations" > "$dir/out.$format"
  code=$?
  set -e
  end=$(date +%s.%N)
  [ "$code" -le 1 ] || { echo "$format: exit $code" >&2; exit 1; }
  printf '%-6s %6.2f s  %9d bytes  exit %d\n' "$format" "$(echo "$end - $start" | bc)" \
    "$(wc -c < "$dir/out.$format")" "$code"
done
echo "findings: $(grep -c '"rule"' "$dir/out.json")"
