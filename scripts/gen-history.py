#!/usr/bin/env python3
"""Writes a migration history of N plain `.sql` files for pgproof's prove benchmark.

usage: scripts/gen-history.py [--down] N DIR

A history shaped like a real product's: every fifth migration creates a table (with a primary
key and a foreign key to an earlier table); the others add columns, indexes (plain and
concurrent), constraints (NOT VALID then validated), defaults, comments and a small data fix.
The output is deterministic. With --down, each migration is a pair `NNNN_mN.up.sql` and
`NNNN_mN.down.sql` whose down part undoes the up part (drops what it created, restores the
default it replaced).
"""
import os
import sys


def main():
    args = sys.argv[1:]
    down = "--down" in args
    args = [a for a in args if a != "--down"]
    n, out = int(args[0]), args[1]
    os.makedirs(out, exist_ok=True)
    tables = []
    defaults = {}
    for i in range(1, n + 1):
        kind = i % 5
        lines = []
        undo = []
        if kind == 1 or not tables:
            t = f"t{len(tables) + 1:03d}"
            parent = tables[-1] if tables else None
            ref = f",\n  {parent}_id bigint REFERENCES {parent} (id)" if parent else ""
            lines.append(
                f"CREATE TABLE {t} (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
                f"  name text NOT NULL,\n  created_at timestamptz NOT NULL DEFAULT now(){ref}\n);"
            )
            if parent:
                lines.append(f"CREATE INDEX {t}_{parent}_id_idx ON {t} ({parent}_id);")
            tables.append(t)
            undo.append(f"DROP TABLE {t};")
        elif kind == 2:
            t = tables[(i * 7) % len(tables)]
            lines.append("SET lock_timeout = '5s';")
            lines.append(f"ALTER TABLE {t} ADD COLUMN c{i} integer;")
            lines.append(f"ALTER TABLE {t} ADD CONSTRAINT {t}_c{i}_check CHECK (c{i} >= 0) NOT VALID;")
            lines.append(f"ALTER TABLE {t} VALIDATE CONSTRAINT {t}_c{i}_check;")
            undo.append(f"ALTER TABLE {t} DROP COLUMN c{i};")
        elif kind == 3:
            t = tables[(i * 3) % len(tables)]
            lines.append(f"CREATE INDEX {t}_created_{i}_idx ON {t} (created_at);")
            undo.append(f"DROP INDEX {t}_created_{i}_idx;")
        elif kind == 4:
            t = tables[(i * 5) % len(tables)]
            lines.append(f"ALTER TABLE {t} ADD COLUMN note{i} text DEFAULT '';")
            lines.append(f"COMMENT ON COLUMN {t}.note{i} IS 'added by migration {i}';")
            undo.append(f"ALTER TABLE {t} DROP COLUMN note{i};")
        else:
            t = tables[(i * 11) % len(tables)]
            lines.append(f"UPDATE {t} SET name = upper(name) WHERE id < 0;")
            lines.append(f"ALTER TABLE {t} ALTER COLUMN name SET DEFAULT 'n{i}';")
            before = defaults.get(t)
            undo.append(
                f"ALTER TABLE {t} ALTER COLUMN name SET DEFAULT '{before}';"
                if before
                else f"ALTER TABLE {t} ALTER COLUMN name DROP DEFAULT;"
            )
            defaults[t] = f"n{i}"
        if down:
            with open(os.path.join(out, f"{i:04d}_m{i}.up.sql"), "w") as f:
                f.write("\n".join(lines) + "\n")
            with open(os.path.join(out, f"{i:04d}_m{i}.down.sql"), "w") as f:
                f.write("\n".join(undo) + "\n")
        else:
            with open(os.path.join(out, f"{i:04d}_m{i}.sql"), "w") as f:
                f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
