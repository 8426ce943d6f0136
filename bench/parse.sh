#!/usr/bin/env bash
# How far pgproof's parse phase is from PostgreSQL's grammar alone (issue 19, goal 5; target:
# within 1.5x): `examples/parse_phases.rs` times, on one thread and in interleaved rounds, the
# grammar (`raw_parse`) of each file, then with encode.c's protobuf writer, then with prost's
# decode, then pgproof's whole parse phase (`syntax::parse_sql`: lexing, runs, lowering), and
# prints each as a ratio of the grammar's time, for the files that parse whole and for all.
#
# usage: bench/parse.sh [DIR...]   (default ../shared/corpus)
# env:   PGPROOF_BENCH_ROUNDS (default 7): interleaved rounds after one warm-up round
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- ../shared/corpus
cargo build --quiet --release --example parse_phases
exec target/release/examples/parse_phases --rounds "${PGPROOF_BENCH_ROUNDS:-7}" "$@"
