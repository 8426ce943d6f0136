#!/usr/bin/env bash
# Lints the shared migration corpus with pgproof and with squawk on the same files, in one run, and
# prints wall time (hyperfine) and peak memory (/usr/bin/time -v) with pgproof/squawk ratios.
#
# usage: bench/corpus.sh [CORPUS_DIR]   (default: ../shared/corpus next to this checkout)
# needs: hyperfine and GNU time (apt-get install hyperfine time), squawk 2.70 (pip install squawk-cli==2.70.0)
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=$(realpath "${1:-../shared/corpus}")
command -v hyperfine >/dev/null || { echo "hyperfine is missing: apt-get install hyperfine" >&2; exit 2; }
command -v squawk >/dev/null || { echo "squawk is missing: pip install squawk-cli==2.70.0" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time is missing: apt-get install time" >&2; exit 2; }

# Time squawk's own binary, not a version manager's shell shim in front of it (pyenv adds ~150 ms).
squawk=$(command -v squawk)
if command -v pyenv >/dev/null && real=$(pyenv which squawk 2>/dev/null); then squawk=$real; fi

cargo build --release --locked --quiet
pgproof=$(realpath target/release/pgproof)
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
# squawk lints each file on its own. Both get exactly the same files.
pg_cmd="$pgproof lint --config $config --fail-on never --format json $corpus"
sq_cmd="xargs -d '\n' -a $list $squawk --reporter json"

json=$(mktemp)
hyperfine --warmup 1 --runs 5 --ignore-failure --export-json "$json" --output null \
  -n pgproof "$pg_cmd" -n squawk "$sq_cmd" >&2
peak() { /usr/bin/time -v bash -c "$1 > /dev/null 2>&1; true" 2>&1 | awk '/Maximum resident set size/ {print $6}'; }
pg_mem=$(peak "$pg_cmd")
sq_mem=$(peak "$sq_cmd")
python3 - "$json" "$pg_mem" "$sq_mem" <<'PY'
import json, sys
pg, sq = json.load(open(sys.argv[1]))["results"]  # in the order given to hyperfine
pg_mem, sq_mem = int(sys.argv[2]), int(sys.argv[3])
print(f"| tool | wall time (mean ± sd, 5 runs) | peak RSS |")
print(f"| --- | --- | --- |")
print(f"| pgproof | {pg['mean']*1000:.0f} ms ± {pg['stddev']*1000:.0f} | {pg_mem/1024:.0f} MiB |")
print(f"| squawk | {sq['mean']*1000:.0f} ms ± {sq['stddev']*1000:.0f} | {sq_mem/1024:.0f} MiB |")
print(f"| ratio pgproof/squawk | {pg['mean']/sq['mean']:.2f}x | {pg_mem/sq_mem:.2f}x |")
PY
rm -f "$json"
