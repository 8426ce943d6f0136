#!/usr/bin/env bash
# The pre-commit case: `pgproof lint <the new migration>` in a long history, with a cold and a warm
# replay cache, against squawk on the same single file and pgproof on the whole directory.
#
# Two histories: 1,000 plain migrations (scripts/gen-history.py) and a diesel history with down
# parts (bench/gen-diesel-history.py, 342 migrations). In each, the file linted is the last
# migration's up part. Per round (interleaved, after one warm-up round), each of:
#   squawk   squawk on the file
#   warm     pgproof on the file, the cache holding the state before it
#   cold     pgproof on the file, an empty cache directory (replays everything, writes the state)
#   nocache  pgproof on the file with --no-cache (what a run cost before the cache)
#   dir      pgproof on the whole directory (--no-cache)
# Prints median wall times and the ratios warm/squawk (target <= 2) and cold/dir (target <= 1).
#
# usage: bench/precommit.sh
# env:   PGPROOF_BENCH_ROUNDS (default 15): interleaved rounds after one warm-up round
#        PGPROOF_BIN: a pgproof binary to time instead of building this checkout
# needs: squawk 2.70 (pip install squawk-cli==2.70.0), python3
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/peers.sh
work=$(mktemp -d /tmp/pgproof-precommit-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
scripts/gen-history.py 1000 "$work/plain"
bench/gen-diesel-history.py 342 "$work/diesel"
echo "pgproof $("$pgproof" --version | cut -d' ' -f2), $("$squawk" --version) ($squawk)"

python3 - "${PGPROOF_BENCH_ROUNDS:-15}" "$pgproof" "$squawk" "$work" <<'PY'
import os, shutil, statistics, subprocess, sys, time
rounds, pgproof, squawk, work = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
env = dict(os.environ)
env.pop("PGPROOF_NO_CACHE", None)
env.pop("PGPROOF_CACHE_DIR", None)

def run(argv):
    started = time.perf_counter()
    code = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env).returncode
    wall = time.perf_counter() - started
    if code not in (0, 1):
        sys.exit(f"{' '.join(argv)} exited with {code}")
    return wall

def last_up(d):
    entries = sorted(os.listdir(d))
    last = os.path.join(d, entries[-1])
    return os.path.join(last, "up.sql") if os.path.isdir(last) else last

histories = [("1,000 plain migrations", os.path.join(work, "plain")),
             ("342 diesel migrations with down parts", os.path.join(work, "diesel"))]
for label, d in histories:
    target = last_up(d)
    warm_dir, cold_dir = os.path.join(work, "warm-cache"), os.path.join(work, "cold-cache")
    shutil.rmtree(warm_dir, ignore_errors=True)
    pg = [pgproof, "lint", "--fail-on", "never", "--format", "json"]
    # The outputs agree before anything is timed.
    outs = {name: subprocess.run(argv, capture_output=True, env=env).stdout for name, argv in [
        ("nocache", pg + ["--no-cache", target]),
        ("cold", pg + ["--cache-dir", warm_dir, target]),
        ("warm", pg + ["--cache-dir", warm_dir, target])]}
    if len(set(outs.values())) != 1:
        sys.exit(f"{label}: cold, warm and uncached runs disagree")
    def cold():
        shutil.rmtree(cold_dir, ignore_errors=True)
        return run(pg + ["--cache-dir", cold_dir, target])
    cases = {
        "squawk": lambda: run([squawk, "--reporter", "json", target]),
        "warm": lambda: run(pg + ["--cache-dir", warm_dir, target]),
        "cold": cold,
        "nocache": lambda: run(pg + ["--no-cache", target]),
        "dir": lambda: run(pg + ["--no-cache", d]),
    }
    times = {k: [] for k in cases}
    for r in range(rounds + 1):
        order = list(cases)
        for name in (order if r % 2 == 0 else order[::-1]):
            t = cases[name]()
            if r > 0:
                times[name].append(t)
    med = {k: statistics.median(v) * 1000 for k, v in times.items()}
    print(f"\n{label}: {os.path.relpath(target, work)}, {rounds} rounds, median wall ms")
    for k in cases:
        print(f"  {k:8s} {med[k]:8.1f}")
    print(f"  warm / squawk   {med['warm'] / med['squawk']:.2f}x (target <= 2)")
    print(f"  cold / dir      {med['cold'] / med['dir']:.2f}x (target <= 1)")
    print(f"  nocache / warm  {med['nocache'] / med['warm']:.2f}x")
PY
