#!/usr/bin/env bash
# Lints the shared migration corpus with pgproof and with squawk on the same files, in one run, and
# prints wall time and peak memory (each tool as one process) with pgproof/squawk ratios.
#
# usage: bench/corpus.sh [CORPUS_DIR]   (default: ../shared/corpus next to this checkout)
# env:   PGPROOF_BENCH_ROUNDS (default 10): interleaved rounds after one warm-up round
#        PGPROOF_BIN: a pgproof binary to time instead of building this checkout
# needs: squawk 2.70 (pip install squawk-cli==2.70.0), python3
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=$(realpath "${1:-../shared/corpus}")
. bench/peers.sh
list=$(mktemp)
config=$(mktemp --suffix=.toml)
trap 'rm -f "$list" "$config"' EXIT
# squawk reads each file as UTF-8 and stops the whole run at the first file that is not (exit 1,
# with the files after it unlinted): both tools get only the files that are valid UTF-8, pgproof
# through an `exclude` list in a throwaway config.
find "$corpus" -name '*.sql' -type f | sort | python3 -c '
import sys
skipped = []
for line in sys.stdin:
    path = line.rstrip("\n")
    try:
        open(path, "rb").read().decode("utf-8")
        print(path)
    except UnicodeDecodeError:
        skipped.append(path)
with open(sys.argv[1], "w") as config:
    globs = ", ".join("\"**/%s\"" % p.rsplit("/", 1)[-1] for p in skipped)
    config.write("exclude = [%s]\n" % globs)
for p in skipped:
    print("not UTF-8, left out for both tools:", p, file=sys.stderr)
' "$config" > "$list"
files=$(wc -l < "$list")
bytes=$(xargs -d '\n' cat < "$list" | wc -c)
echo "corpus: $corpus ($files .sql files, $bytes bytes)"
echo "pgproof $("$pgproof" --version | cut -d' ' -f2), $("$squawk" --version) ($squawk)"

# pgproof replays every migration set in order into a catalog and runs all rules;
# squawk lints each file on its own. Both get exactly the same files, and each runs as one process
# (xargs would split squawk's file list into several processes, each with a part of the corpus,
# and GNU time would report the peak memory of one part).

# Interleaved rounds rather than all runs of one tool and then all of the other: on a shared
# two-core machine the speed drifts over a minute, and grouped runs charge that drift to whichever
# tool runs second. Each round runs both (alternating which goes first); wall time is measured
# around the process, peak memory and CPU by wait4. The first round is a warm-up.
python3 - "${PGPROOF_BENCH_ROUNDS:-10}" "$pgproof" "$config" "$corpus" "$squawk" "$list" <<'PY'
import os, statistics, subprocess, sys, time
rounds, pgproof, config, corpus, squawk, listing = sys.argv[1:]
rounds = int(rounds)
pg_cmd = [pgproof, "lint", "--config", config, "--fail-on", "never", "--format", "json", corpus]
sq_cmd = [squawk, "--reporter", "json"] + open(listing).read().splitlines()
# The whole list must fit in one exec (arguments, their pointers and the environment); fail loudly
# rather than split it.
size = sum(len(a) + 1 + 8 for a in sq_cmd) + sum(len(k) + len(v) + 2 + 8 for k, v in os.environ.items())
limit = os.sysconf("SC_ARG_MAX")
if size > limit - 4096:
    sys.exit(f"squawk's argument list is {size} bytes, over this system's {limit}: it cannot run as one process")
print(f"squawk runs as one process over {len(sq_cmd) - 3} files ({size} of {limit} bytes of arguments)")
runs = {"pgproof": [], "squawk": []}
def run(argv):
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"{argv[0]} exited with {code}")
    return wall, usage.ru_maxrss
for r in range(rounds + 1):
    order = [("pgproof", pg_cmd), ("squawk", sq_cmd)]
    for name, cmd in (order if r % 2 == 0 else order[::-1]):
        result = run(cmd)
        if r > 0:
            runs[name].append(result)
pg, sq = runs["pgproof"], runs["squawk"]
wall = lambda rs: [w * 1000 for w, _ in rs]
mem = lambda rs: max(m for _, m in rs) / 1024
print(f"| tool | wall time (mean ± sd, {rounds} interleaved rounds) | peak RSS |")
print("| --- | --- | --- |")
for name, rs in runs.items():
    print(f"| {name} | {statistics.mean(wall(rs)):.0f} ms ± {statistics.stdev(wall(rs)):.0f} | {mem(rs):.0f} MiB |")
ratios = sorted(p / s for p, s in zip(wall(pg), wall(sq)))
print(f"| ratio pgproof/squawk | {statistics.mean(wall(pg)) / statistics.mean(wall(sq)):.2f}x "
      f"(median of per-round ratios {statistics.median(ratios):.2f}x, range {ratios[0]:.2f}-{ratios[-1]:.2f}) "
      f"| {mem(pg) / mem(sq):.2f}x |")
PY
