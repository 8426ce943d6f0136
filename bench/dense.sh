#!/usr/bin/env bash
# One long, dense migration history (bench/gen-dense-set.py): does pgproof's cost per statement
# depend on how long the history is, and how does it compare with squawk on the same files?
#
# Prints (1) CPU time (user + system) per statement of `pgproof lint` on a 5,000- and a
# 46,000-statement history, and their ratio (target: within 1.3x), and (2) wall time and peak
# memory of pgproof and squawk on the 46,000-statement history in interleaved rounds, with ratios
# (target: 0.5x squawk's wall time). squawk runs as one process over every file of the set.
#
# usage: bench/dense.sh [SMALL [LARGE]]   (statements; default 5000 46000)
# env:   PGPROOF_BENCH_ROUNDS (default 5): interleaved rounds after one warm-up round
#        PGPROOF_BIN: a pgproof binary to time instead of building this checkout
# needs: squawk 2.70 (pip install squawk-cli==2.70.0), python3
set -euo pipefail
cd "$(dirname "$0")/.."
small=${1:-5000}
large=${2:-46000}
. bench/peers.sh
work=$(mktemp -d /tmp/pgproof-dense-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
bench/gen-dense-set.py "$small" "$work/small"
bench/gen-dense-set.py "$large" "$work/large"
echo "pgproof $("$pgproof" --version | cut -d' ' -f2), $("$squawk" --version) ($squawk)"

python3 - "${PGPROOF_BENCH_ROUNDS:-5}" "$pgproof" "$squawk" "$work/small" "$work/large" <<'PY'
import os, statistics, subprocess, sys, time
rounds, pgproof, squawk, small, large = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]

def statements(d):
    # The generator writes one statement per line.
    return sum(sum(1 for _ in open(os.path.join(d, f))) for f in os.listdir(d))

def files(d):
    return sorted(os.path.join(d, f) for f in os.listdir(d))

def run(argv):
    """Wall seconds, CPU seconds (user + system) and peak RSS (MiB) of one process."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"{argv[0]} exited with {code}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024

def pg(d):
    return [pgproof, "lint", "--fail-on", "never", "--format", "json", d]

def sq(d):
    argv = [squawk, "--reporter", "json"] + files(d)
    # One process over every file, as pgproof gets them: fail rather than split the list.
    size = sum(len(a) + 1 + 8 for a in argv) + sum(len(k) + len(v) + 2 + 8 for k, v in os.environ.items())
    if size > os.sysconf("SC_ARG_MAX") - 4096:
        sys.exit(f"squawk's argument list ({size} bytes) does not fit in one process")
    return argv

n_small, n_large = statements(small), statements(large)
print(f"histories: {n_small} statements ({len(files(small))} migrations), "
      f"{n_large} statements ({len(files(large))} migrations)")

# (1) CPU per statement, small and large history interleaved.
cpu = {"small": [], "large": []}
for r in range(rounds + 1):
    order = [("small", small), ("large", large)]
    for name, d in order if r % 2 == 0 else order[::-1]:
        _, c, _ = run(pg(d))
        if r > 0:
            cpu[name].append(c)
per = {k: statistics.median(v) / (n_small if k == "small" else n_large) * 1e6 for k, v in cpu.items()}
print(f"| pgproof CPU per statement | {n_small} statements | {n_large} statements | ratio |")
print("| --- | --- | --- | --- |")
print(f"| median of {rounds} rounds | {per['small']:.1f} us | {per['large']:.1f} us | "
      f"**{per['large'] / per['small']:.2f}x** |")

# (2) pgproof against squawk on the large history, interleaved.
runs = {"pgproof": [], "squawk": []}
for r in range(rounds + 1):
    order = [("pgproof", pg(large)), ("squawk", sq(large))]
    for name, argv in order if r % 2 == 0 else order[::-1]:
        result = run(argv)
        if r > 0:
            runs[name].append(result)
wall = lambda rs: [w * 1000 for w, _, _ in rs]
mem = lambda rs: max(m for _, _, m in rs)
print()
print(f"| {n_large} statements | wall time (mean ± sd, {rounds} interleaved rounds) | CPU (mean) | peak RSS |")
print("| --- | --- | --- | --- |")
for name, rs in runs.items():
    print(f"| {name} | {statistics.mean(wall(rs)):.0f} ms ± {statistics.stdev(wall(rs)):.0f} "
          f"| {statistics.mean(c for _, c, _ in rs) * 1000:.0f} ms | {mem(rs):.0f} MiB |")
p, s = runs["pgproof"], runs["squawk"]
ratios = sorted(a / b for a, b in zip(wall(p), wall(s)))
print(f"| ratio pgproof/squawk | **{statistics.mean(wall(p)) / statistics.mean(wall(s)):.2f}x** "
      f"(median of per-round ratios {statistics.median(ratios):.2f}x, range {ratios[0]:.2f}-{ratios[-1]:.2f}) "
      f"| | {mem(p) / mem(s):.2f}x |")
PY
