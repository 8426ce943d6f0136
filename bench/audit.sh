#!/usr/bin/env bash
# Audit benchmark: a generated 500+ table schema (scripts/gen-schema.py --modules 50) in a
# throwaway local cluster; wall time of `pgproof audit` (hyperfine) and where it goes
# (PGPROOF_TIMINGS=1: connect, introspect, rules, report). Target: < 1 s excluding connection setup.
#
# usage: bench/audit.sh [MODULES]   (default 50, about 10 tables each)
# env:   PGPROOF_BENCH_RUNS (default 10): hyperfine runs per format
# needs: hyperfine (apt-get install hyperfine), PostgreSQL server binaries (initdb, pg_ctl), python3
set -euo pipefail
cd "$(dirname "$0")/.."
modules=${1:-50}
command -v hyperfine >/dev/null || { echo "hyperfine is missing: apt-get install hyperfine" >&2; exit 2; }
if ! command -v initdb >/dev/null; then
  for bin in /usr/lib/postgresql/*/bin; do [ -x "$bin/initdb" ] && PATH="$PATH:$bin"; done
fi
command -v initdb >/dev/null || { echo "initdb is missing: install the PostgreSQL server binaries" >&2; exit 2; }

cargo build --release --locked --quiet
pgproof=$(realpath target/release/pgproof)
work=$(mktemp -d /tmp/pgproof-audit-bench.XXXXXX)
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$work"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() { as_pg "pg_ctl -D $work/data -m immediate stop" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
as_pg "initdb -D $work/data -U bench --auth=trust --no-sync -E UTF8 --locale=C" >/dev/null
as_pg "pg_ctl -D $work/data -l $work/log -w -o '-p $port -k $work -c listen_addresses=127.0.0.1 -c fsync=off' start" >/dev/null
url="postgresql://bench@127.0.0.1:$port/postgres"
scripts/gen-schema.py --modules "$modules" > "$work/schema.sql"
psql -q -v ON_ERROR_STOP=1 "$url" -f "$work/schema.sql" >/dev/null
psql -q "$url" -c "ANALYZE" >/dev/null
tables=$(psql -qtA "$url" -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')")
echo "schema: $tables tables ($modules modules), PostgreSQL $(psql -qtA "$url" -c 'SHOW server_version')"

for format in json html; do
  hyperfine --warmup 1 --runs "${PGPROOF_BENCH_RUNS:-10}" --ignore-failure --output null -n "audit --format $format" \
    "$pgproof audit --database-url $url --format $format" 2>&1 | grep -E 'Time|Range' | sed "s/^/$format: /"
done
echo "phases of one run (--format json):"
PGPROOF_TIMINGS=1 "$pgproof" audit --database-url "$url" --format json 2>&1 >/dev/null | grep -v 'timing:   query' || true
