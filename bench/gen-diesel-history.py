#!/usr/bin/env python3
"""Writes a diesel-style migration history with down parts: N folders
`YYYY-MM-DD-HHMMSS_name/` each holding `up.sql` and `down.sql` (deterministic).

usage: bench/gen-diesel-history.py N DIR

Shaped like a real product's diesel history: every fourth migration creates a table (a primary
key, a foreign key to an earlier table and its index, an `updated_at` trigger from diesel's own
`diesel_manage_updated_at` helper); the others add columns (with defaults and NOT NULL), indexes,
unique and check constraints, an enum type, a view, a column rename, and small data fixes. Each
down part undoes its up part (drops what it created, renames back), as diesel's generator asks.
bench/precommit.sh lints its last migration alone, with and without the replay cache.
"""
import os
import sys

SETUP_UP = """-- diesel's initial setup: the updated_at helper.
CREATE OR REPLACE FUNCTION diesel_manage_updated_at(_tbl regclass) RETURNS VOID AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER set_updated_at BEFORE UPDATE ON %s
                    FOR EACH ROW EXECUTE PROCEDURE diesel_set_updated_at()', _tbl);
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION diesel_set_updated_at() RETURNS trigger AS $$
BEGIN
    IF (
        NEW IS DISTINCT FROM OLD AND
        NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at
    ) THEN
        NEW.updated_at := current_timestamp;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

SETUP_DOWN = """DROP FUNCTION IF EXISTS diesel_manage_updated_at(_tbl regclass);
DROP FUNCTION IF EXISTS diesel_set_updated_at();
"""


def migration(i, tables, state):
    """The up and down SQL of migration i (i >= 1), updating the list of tables."""
    kind = i % 8
    if kind in (1, 5) or len(tables) < 2:
        t = f"entity_{len(tables) + 1:03d}"
        parent = tables[-1] if tables else None
        ref = f",\n    {parent}_id INTEGER NOT NULL REFERENCES {parent} (id)" if parent else ""
        up = [
            f"CREATE TABLE {t} (\n    id SERIAL PRIMARY KEY,\n    name VARCHAR NOT NULL,\n"
            f"    created_at TIMESTAMP NOT NULL DEFAULT NOW(),\n"
            f"    updated_at TIMESTAMP NOT NULL DEFAULT NOW(){ref}\n);",
            f"SELECT diesel_manage_updated_at('{t}');",
        ]
        if parent:
            up.append(f"CREATE INDEX {t}_{parent}_id_idx ON {t} ({parent}_id);")
        down = [f"DROP TABLE {t};"]
        tables.append(t)
        return up, down
    t = tables[(i * 7) % len(tables)]
    if kind == 2:
        c = f"flag_{i}"
        return (
            [f"ALTER TABLE {t} ADD COLUMN {c} BOOLEAN NOT NULL DEFAULT FALSE;"],
            [f"ALTER TABLE {t} DROP COLUMN {c};"],
        )
    if kind == 3:
        return (
            [f"CREATE INDEX {t}_created_{i}_idx ON {t} (created_at);"],
            [f"DROP INDEX {t}_created_{i}_idx;"],
        )
    if kind == 4:
        c = f"code_{i}"
        return (
            [
                f"ALTER TABLE {t} ADD COLUMN {c} VARCHAR;",
                f"UPDATE {t} SET {c} = 'c' || id WHERE {c} IS NULL;",
                f"ALTER TABLE {t} ADD CONSTRAINT {t}_{c}_key UNIQUE ({c});",
            ],
            [f"ALTER TABLE {t} DROP CONSTRAINT {t}_{c}_key;", f"ALTER TABLE {t} DROP COLUMN {c};"],
        )
    if kind == 6:
        e = f"state_{i}"
        return (
            [
                f"CREATE TYPE {e} AS ENUM ('draft', 'active', 'archived');",
                f"ALTER TABLE {t} ADD COLUMN {e} {e} NOT NULL DEFAULT 'draft';",
            ],
            [f"ALTER TABLE {t} DROP COLUMN {e};", f"DROP TYPE {e};"],
        )
    if kind == 7:
        v = f"{t}_recent_{i}"
        return (
            [f"CREATE VIEW {v} AS SELECT id, name FROM {t} WHERE created_at > NOW() - INTERVAL '7 days';"],
            [f"DROP VIEW {v};"],
        )
    # kind 0: rename a column and back, with a check constraint.
    old, new = "name", f"name_{i}"
    state.setdefault(t, "name")
    old = state[t]
    state[t] = new
    return (
        [
            f"ALTER TABLE {t} RENAME COLUMN {old} TO {new};",
            f"ALTER TABLE {t} ADD CONSTRAINT {t}_{new}_len CHECK (length({new}) < 500);",
        ],
        [f"ALTER TABLE {t} DROP CONSTRAINT {t}_{new}_len;", f"ALTER TABLE {t} RENAME COLUMN {new} TO {old};"],
    )


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    n, out = int(sys.argv[1]), sys.argv[2]
    os.makedirs(out, exist_ok=True)

    def write(i, name, up, down):
        # One migration a day from 2020-01-01, at a fixed time.
        day = i
        stamp = f"{2020 + day // 360:04d}-{day % 360 // 30 + 1:02d}-{day % 30 + 1:02d}-{120000 + i % 100:06d}"
        folder = os.path.join(out, f"{stamp}_{name}")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "up.sql"), "w") as f:
            f.write(up)
        with open(os.path.join(folder, "down.sql"), "w") as f:
            f.write(down)

    write(0, "diesel_initial_setup", SETUP_UP, SETUP_DOWN)
    tables, state = [], {}
    for i in range(1, n):
        up, down = migration(i, tables, state)
        write(i, f"change_{i}", "\n".join(up) + "\n", "\n".join(down) + "\n")


if __name__ == "__main__":
    main()
