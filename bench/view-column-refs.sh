#!/usr/bin/env bash
# View column references (issue 16 item 10): how many of the (table, column) pairs that views
# use — the columns PostgreSQL refuses to drop or retype — pgproof's replay knows, measured on
# MusicBrainz's schema from the corpus (main schema, cover art and event art archives).
# PostgreSQL's own record (pg_depend rows of the views' rewrite rules) on a throwaway server is
# the ground truth. Tables are compared by bare name: replay does not follow `SET search_path`.
#
# usage: bench/view-column-refs.sh [CORPUS_DIR]   (default ../shared/corpus)
# needs: PostgreSQL server binaries (initdb, pg_ctl), psql, python3
# prints: the counts, the percentage known, and every missed and extra pair.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=$(realpath "${1:-../shared/corpus}")
mb="$corpus/metabrainz__musicbrainz-server/admin/sql"
[ -d "$mb" ] || { echo "no MusicBrainz schema under $corpus" >&2; exit 2; }
if ! command -v initdb >/dev/null; then
  for bin in /usr/lib/postgresql/*/bin; do [ -x "$bin/initdb" ] && PATH="$PATH:$bin"; done
fi
command -v initdb >/dev/null || { echo "initdb is missing: install the PostgreSQL server binaries" >&2; exit 2; }

work=$(mktemp -d /tmp/pgproof-view-refs.XXXXXX)
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$work"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() { as_pg "pg_ctl -D $work/data -m immediate stop" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
as_pg "initdb -D $work/data -U bench --auth=trust --no-sync -E UTF8 --locale=C" >/dev/null
as_pg "pg_ctl -D $work/data -l $work/log -w -o '-p $port -k $work -c listen_addresses=127.0.0.1 -c fsync=off' start" >/dev/null
url="postgresql://bench@127.0.0.1:$port/postgres"

# The files the schema is built from, in MusicBrainz's own order (admin/InitDb.pl), each schema's
# files after a `SET search_path` for the server (replay reads every name in `public`).
files=()
part() { # schema, files...
  local schema=$1; shift
  printf 'CREATE SCHEMA IF NOT EXISTS %s;\nSET search_path = %s, musicbrainz, public;\n' "$schema" "$schema" > "$work/search_path_$schema.sql"
  files+=("$work/search_path_$schema.sql")
  for f in "$@"; do [ -f "$mb/$f" ] && files+=("$mb/$f"); done
}
part musicbrainz Extensions.sql CreateCollations.sql CreateSearchConfiguration.sql CreateTypes.sql CreateTables.sql CreatePrimaryKeys.sql CreateFunctions.sql CreateViews.sql
part cover_art_archive caa/CreateTables.sql caa/CreatePrimaryKeys.sql caa/CreateFunctions.sql caa/CreateViews.sql
part event_art_archive eaa/CreateTables.sql eaa/CreatePrimaryKeys.sql eaa/CreateFunctions.sql eaa/CreateViews.sql

# The server: every file in one session, stopping at the first error.
cat "${files[@]}" > "$work/schema.sql"
psql -q -X -v ON_ERROR_STOP=1 "$url" -f "$work/schema.sql" >"$work/psql.log" 2>&1 \
  || { echo "the schema does not load:" >&2; tail -5 "$work/psql.log" >&2; exit 2; }
psql -qtA -X -F $'\t' "$url" -c "
  SELECT DISTINCT t.relname, a.attname
  FROM pg_rewrite r
  JOIN pg_class v ON v.oid = r.ev_class AND v.relkind IN ('v', 'm')
  JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
   AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0
  JOIN pg_class t ON t.oid = d.refobjid AND t.relkind IN ('r', 'p') AND t.oid <> v.oid
  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
  JOIN pg_namespace n ON n.oid = t.relnamespace
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  ORDER BY 1, 2" | LC_ALL=C sort -u > "$work/server.tsv"

# pgproof's replay of the same files.
cargo run --quiet --example view_column_refs -- "${files[@]}" 2>"$work/replay.log" | LC_ALL=C sort -u > "$work/replay.tsv"
cat "$work/replay.log"

known=$(LC_ALL=C comm -12 "$work/server.tsv" "$work/replay.tsv" | wc -l)
total=$(wc -l < "$work/server.tsv")
extra=$(LC_ALL=C comm -13 "$work/server.tsv" "$work/replay.tsv" | wc -l)
echo "server (pg_depend): $total view-referenced (table, column) pairs"
echo "pgproof replay knows $known of them ($(( total ? known * 100 / total : 0 ))%), and names $extra the server does not"
echo "missed:"
LC_ALL=C comm -23 "$work/server.tsv" "$work/replay.tsv" | sed 's/^/  /'
echo "extra:"
LC_ALL=C comm -13 "$work/server.tsv" "$work/replay.tsv" | sed 's/^/  /'
