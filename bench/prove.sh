#!/usr/bin/env bash
# Replays a generated 300-migration history with `pgproof prove` (url backend, no fix proofs) and
# with `psql -f` of the same files, on the same throwaway local server, in one run; prints wall
# times and the ratio. Both start from the running server and do the same database work around
# the replay: create a scratch database, replay every file into it, drop it (pgproof also lints
# the history first and reads the locks after every statement).
#
# The two commands are interleaved (psql, pgproof, psql, pgproof, ...) with a CHECKPOINT before
# every run: creating and dropping databases leaves WAL and dirty buffers behind, and the server
# slows down over a series of runs, so timing all runs of one command and then all of the other
# (as hyperfine does) charges the drift to whichever command runs second.
#
# With a third argument `fixes`, the default `pgproof prove` (fix proofs on: each recipe run in
# place of its statement on clones of the database, with synthetic rows) is timed in the same
# rounds.
#
# With DOWN=1, the history has down parts (`NNNN_mN.up.sql` / `.down.sql`, each undoing its up
# part): pgproof also checks that each one reverses, by running it on a clone of the database as
# its up part left it and comparing the schema; psql runs the up files only.
#
# With PGPROOF_BASE=/path/to/an/older/pgproof, that binary's `prove --no-fixes` (with `fixes`:
# its default `prove`) is timed in the same rounds too (before and after a change, on the same
# server and history).
#
# usage: bench/prove.sh [MIGRATIONS] [RUNS] [fixes]   (default 300 migrations, 12 runs of each)
# needs: psql and the PostgreSQL server binaries (initdb, pg_ctl) on PATH
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-300}
runs=${2:-12}
fixes=${3:-}
cargo build --release --locked --quiet
pgproof=$(realpath target/release/pgproof)
work=$(mktemp -d)
chmod 777 "$work"
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() { as_pg "pg_ctl -D $work/data -m immediate stop" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
as_pg "initdb -D $work/data -A trust -U bench --no-sync >/dev/null"
as_pg "pg_ctl -D $work/data -o '-p $port -k $work -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off' -l $work/log -w start >/dev/null"
if [ "${DOWN:-0}" = 1 ]; then
  python3 scripts/gen-history.py --down "$n" "$work/history"
  files=$(ls "$work"/history/*.up.sql | sed 's/^/-f /' | tr '\n' ' ')
else
  python3 scripts/gen-history.py "$n" "$work/history"
  files=$(ls "$work"/history/*.sql | sed 's/^/-f /' | tr '\n' ' ')
fi
url="postgresql://bench@127.0.0.1:$port/postgres"
conn="-q -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $port -U bench"
psql_run() {
  psql $conn -d postgres -c 'CREATE DATABASE replay' && psql $conn -d replay $files \
    && psql $conn -d postgres -c 'DROP DATABASE replay'
}
pgproof_run() { "$pgproof" prove --backend url --database-url "$url" --no-fixes --format json "$work/history"; }
# prove exits 1 when it confirms a hazard: only a crash (2) is a failure here.
base_run() {
  if [ -n "$fixes" ]; then
    "$PGPROOF_BASE" prove --backend url --database-url "$url" --format json "$work/history" || [ $? = 1 ]
  else
    "$PGPROOF_BASE" prove --backend url --database-url "$url" --no-fixes --format json "$work/history" || [ $? = 1 ]
  fi
}
fixes_run() { "$pgproof" prove --backend url --database-url "$url" --format json "$work/history" || [ $? = 1 ]; }
ms() { local s; s=$(date +%s%N); "$@" > /dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; echo $(( ($(date +%s%N) - s) / 1000000 )); }
echo "history: $n migrations$([ "${DOWN:-0}" = 1 ] && echo ' with down parts'), $(cat $(echo "$files" | sed 's/-f //g') | grep -c ';') up statements; server $(psql -X -At -h 127.0.0.1 -p "$port" -U bench -d postgres -c 'show server_version'); $runs interleaved runs of each"
# One warm-up of each.
psql_run > /dev/null 2>&1; pgproof_run > /dev/null 2>&1
psql_times=(); pgproof_times=(); fixes_times=(); base_times=()
[ -z "$fixes" ] || fixes_run > /dev/null 2>&1
for _ in $(seq "$runs"); do
  psql $conn -d postgres -c CHECKPOINT
  psql_times+=("$(ms psql_run)")
  psql $conn -d postgres -c CHECKPOINT
  pgproof_times+=("$(ms pgproof_run)")
  if [ -n "${PGPROOF_BASE:-}" ]; then
    psql $conn -d postgres -c CHECKPOINT
    base_times+=("$(ms base_run)")
  fi
  if [ -n "$fixes" ]; then
    psql $conn -d postgres -c CHECKPOINT
    fixes_times+=("$(ms fixes_run)")
  fi
done
python3 - "${psql_times[*]}" "${pgproof_times[*]}" "${fixes_times[*]:-}" "${base_times[*]:-}" <<'PY'
import statistics, sys
psql = [int(x) for x in sys.argv[1].split()]
pg = [int(x) for x in sys.argv[2].split()]
fixes = [int(x) for x in sys.argv[3].split()]
base = [int(x) for x in sys.argv[4].split()]
print("| command | wall time (mean ± sd) |")
print("| --- | --- |")
print(f"| createdb, psql -f (one connection, all files), dropdb | {statistics.mean(psql):.0f} ms ± {statistics.stdev(psql):.0f} |")
print(f"| pgproof prove --no-fixes (lint + observed replay) | {statistics.mean(pg):.0f} ms ± {statistics.stdev(pg):.0f} |")
print(f"| ratio pgproof/psql | {statistics.mean(pg) / statistics.mean(psql):.2f}x |")
if base:
    mine = fixes or pg
    mode = "default prove" if fixes else "prove --no-fixes"
    print(f"| PGPROOF_BASE {mode} | {statistics.mean(base):.0f} ms ± {statistics.stdev(base):.0f} |")
    print(f"| ratio PGPROOF_BASE/psql | {statistics.mean(base) / statistics.mean(psql):.2f}x |")
    print(f"| ratio pgproof/PGPROOF_BASE ({mode}) | {statistics.mean(mine) / statistics.mean(base):.2f}x |")
if fixes:
    print(f"| pgproof prove (default: fix proofs on) | {statistics.mean(fixes):.0f} ms ± {statistics.stdev(fixes):.0f} |")
    print(f"| ratio default prove/psql | {statistics.mean(fixes) / statistics.mean(psql):.2f}x |")
PY
