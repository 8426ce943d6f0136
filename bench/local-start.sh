#!/usr/bin/env bash
# Start-up of `pgproof prove --backend local` on a one-migration history: with the pristine
# cluster cache off (`initdb` every run), with it warm (a copy of the cached data directory and a
# password set in single-user mode), and the shell equivalent a user would script
# (`initdb --no-sync`, `pg_ctl start -w`, `psql -f`, `pg_ctl stop`). Interleaved rounds (one of
# each per round) after one warm-up; prints each mean and the ratios, and the backend phase
# pgproof reports with PGPROOF_TIMINGS=1 (the cluster's start, from nothing to accepting the run's
# connections).
#
# usage: bench/local-start.sh [ROUNDS]   (default 10)
# needs: initdb, pg_ctl, postgres and psql on the PATH
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-10}
cargo build --release --locked --quiet
pgproof=$(realpath target/release/pgproof)
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
mkdir "$work/history" "$work/cache"
printf 'CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL);\nCREATE INDEX accounts_name ON accounts (name);\n' > "$work/history/001_init.sql"
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
shell_run() {
  local d="$work/shell-$RANDOM"
  mkdir "$d" && { [ "$(id -u)" != 0 ] || chown postgres "$d"; }
  as_pg "initdb -D $d/data -U bench -A trust --no-sync -E UTF8 --locale=C >/dev/null \
    && pg_ctl -D $d/data -o '-c listen_addresses= -k $d -c fsync=off' -l $d/log -w start >/dev/null \
    && psql -q -X -h $d -U bench -d postgres -v ON_ERROR_STOP=1 -f $work/history/001_init.sql \
    && pg_ctl -D $d/data -m immediate stop >/dev/null"
  rm -rf "$d"
}
cold_run() { PGPROOF_NO_CACHE=1 "$pgproof" prove --backend local --no-fixes --format json "$work/history"; }
warm_run() { PGPROOF_CACHE_DIR="$work/cache" "$pgproof" prove --backend local --no-fixes --format json "$work/history"; }
backend_ms() { sync; PGPROOF_TIMINGS=1 "$@" 2>&1 >/dev/null | sed -n 's/^timing: backend \([0-9.]*\) ms.*/\1/p'; }
# Each run starts with no dirty pages left by the one before (`sync`, outside the timing): a
# cluster's 40 MB of writes otherwise slow down whichever run comes next.
ms() { sync; local s; s=$(date +%s%N); "$@" > /dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; echo $(( ($(date +%s%N) - s) / 1000000 )); }
shell_run >/dev/null 2>&1; cold_run >/dev/null 2>&1; warm_run >/dev/null 2>&1
shell=(); cold=(); warm=(); cold_b=(); warm_b=()
for _ in $(seq "$rounds"); do
  shell+=("$(ms shell_run)")
  cold+=("$(ms cold_run)")
  warm+=("$(ms warm_run)")
  cold_b+=("$(backend_ms cold_run)")
  warm_b+=("$(backend_ms warm_run)")
done
python3 - "${shell[*]}" "${cold[*]}" "${warm[*]}" "${cold_b[*]}" "${warm_b[*]}" "$rounds" <<'PY'
import statistics as st, sys
shell, cold, warm, cold_b, warm_b = ([float(x) for x in a.split()] for a in sys.argv[1:6])
print(f"{sys.argv[6]} interleaved rounds; wall time, mean ± sd (median)")
print("| run | wall time | backend phase | ratio to the shell script |")
print("| --- | --- | --- | --- |")
m = st.mean(shell)
print(f"| initdb, pg_ctl start, psql -f, pg_ctl stop | {m:.0f} ms ± {st.stdev(shell):.0f} ({st.median(shell):.0f}) | | 1.00x |")
print(f"| pgproof prove --backend local, no cache | {st.mean(cold):.0f} ms ± {st.stdev(cold):.0f} ({st.median(cold):.0f}) | {st.mean(cold_b):.0f} ms | {st.mean(cold)/m:.2f}x |")
print(f"| pgproof prove --backend local, pristine cluster cached | {st.mean(warm):.0f} ms ± {st.stdev(warm):.0f} ({st.median(warm):.0f}) | {st.mean(warm_b):.0f} ms | {st.mean(warm)/m:.2f}x |")
PY
