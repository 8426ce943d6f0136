#!/usr/bin/env python3
"""Writes one migration file of complete statements of about SIZE MiB to stdout (deterministic).

usage: bench/gen-large-migration.py SIZE_MIB > file.sql

The mix is what large real migrations hold: CREATE TABLE, ALTER TABLE, CREATE INDEX, INSERTs of
many rows (seed data), and functions with long bodies. bench/memory.sh uses it.
"""
import sys

target = int(float(sys.argv[1]) * 1024 * 1024)
out = []
size = 0
n = 0


def emit(sql):
    global size
    out.append(sql)
    size += len(sql)


while size < target:
    t = f"t{n}"
    emit(
        f"CREATE TABLE {t} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
        f"parent_id bigint REFERENCES t{max(n - 1, 0)} (id), name text NOT NULL, "
        f"amount numeric(12, 2) DEFAULT 0 CHECK (amount >= 0), created_at timestamptz DEFAULT now());\n"
    )
    emit(f"ALTER TABLE {t} ADD COLUMN note varchar(200), ALTER COLUMN name SET DEFAULT 'x';\n")
    emit(f"CREATE INDEX {t}_name_idx ON {t} (lower(name)) WHERE amount > 0;\n")
    rows = ",\n".join(
        f"({i}, 'name {n}-{i}', {i % 1000}.{i % 100:02d}, 'note about row {i} of {t}')"
        for i in range(200)
    )
    emit(f"INSERT INTO {t} (parent_id, name, amount, note) VALUES\n{rows};\n")
    body = "\n".join(
        f"  IF NEW.amount > {i} THEN NEW.note := coalesce(NEW.note, '') || ' over {i}'; END IF;"
        for i in range(60)
    )
    emit(
        f"CREATE FUNCTION {t}_check() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n{body}\n  RETURN NEW;\nEND\n$$;\n"
    )
    emit(f"CREATE TRIGGER {t}_check BEFORE INSERT ON {t} FOR EACH ROW EXECUTE FUNCTION {t}_check();\n")
    n += 1

sys.stdout.write("".join(out))
