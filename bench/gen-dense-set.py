#!/usr/bin/env python3
"""Writes one long migration history (a plain layout: one directory of numbered .sql files) of
about STATEMENTS statements over a schema that grows as it goes (deterministic).

usage: bench/gen-dense-set.py STATEMENTS OUT_DIR

Each migration is a copy of the same hazard-rich change to a new module of the schema: tables with
foreign keys to the new module and to older ones, indexes (some redundant), a view over a join, a
column rename, a type change, NOT NULL, defaults, a table rename, and drops of older modules'
objects (a column, an index, a view, a whole table), so the schema keeps growing while every kind
of statement that looks at its dependents runs against more and more of it. bench/dense.sh uses it
to see whether pgproof's cost per statement depends on the length of the history.
"""
import os
import sys

if len(sys.argv) != 3:
    sys.exit(__doc__)
target = int(sys.argv[1])
out_dir = sys.argv[2]
os.makedirs(out_dir, exist_ok=True)


def module(k):
    """The statements of migration k (about 24)."""
    u, o, i = f"m{k}_users", f"m{k}_orders", f"m{k}_items"
    s = [
        f"CREATE TABLE {u} (id bigserial PRIMARY KEY, email text NOT NULL, name varchar(80), "
        f"created_at timestamp DEFAULT now());",
        f"CREATE TABLE {o} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
        f"user_id bigint NOT NULL REFERENCES {u} (id), total numeric(10, 2), status text, "
        f"placed_at timestamptz DEFAULT now());",
        f"CREATE TABLE {i} (id serial PRIMARY KEY, order_id bigint REFERENCES {o} (id) ON DELETE CASCADE, "
        f"sku text, qty int CHECK (qty > 0));",
        f"CREATE INDEX {o}_user_id_idx ON {o} (user_id);",
        f"CREATE INDEX {o}_user_status_idx ON {o} (user_id, status);",
        f"CREATE UNIQUE INDEX {u}_email_key ON {u} (lower(email));",
        f"CREATE VIEW {u}_spend AS SELECT u.id, u.email, sum(o.total) AS spent "
        f"FROM {u} u JOIN {o} o ON o.user_id = u.id GROUP BY u.id, u.email;",
        f"ALTER TABLE {o} ADD COLUMN note text;",
        f"ALTER TABLE {u} ADD COLUMN active boolean NOT NULL DEFAULT true;",
        f"ALTER TABLE {u} RENAME COLUMN name TO full_name;",
        f"ALTER TABLE {o} ALTER COLUMN total TYPE numeric(14, 2);",
        f"ALTER TABLE {o} ALTER COLUMN status SET NOT NULL;",
        f"ALTER TABLE {o} ALTER COLUMN status SET DEFAULT 'new';",
        f"CREATE INDEX {i}_sku_idx ON {i} (sku);",
        f"ALTER TABLE {i} ADD CONSTRAINT {i}_sku_check CHECK (sku <> '');",
        f"COMMENT ON TABLE {o} IS 'orders of module {k}';",
        f"UPDATE {u} SET active = false WHERE created_at < now() - interval '1 year';",
    ]
    if k > 0:
        p = k - 1
        # A foreign key into the previous module, added to an existing table.
        s.append(f"ALTER TABLE {o} ADD COLUMN referrer_id bigint;")
        s.append(
            f"ALTER TABLE {o} ADD CONSTRAINT {o}_referrer_fkey "
            f"FOREIGN KEY (referrer_id) REFERENCES m{p}_users (id);"
        )
        s.append(f"ALTER TABLE m{p}_items RENAME TO m{p}_line_items;")
        s.append(f"ALTER TABLE m{p}_orders RENAME COLUMN note TO remark;")
    if k >= 3:
        q = k - 3
        # Drops in an older module: the schema still grows, by less than it gains.
        s.append(f"DROP INDEX m{q}_orders_user_id_idx;")
        s.append(f"ALTER TABLE m{q}_users DROP COLUMN created_at;")
        s.append(f"DROP VIEW m{q}_users_spend;")
        s.append(f"DROP TABLE m{q}_line_items;")
        s.append(f"ALTER TABLE m{q}_orders ALTER COLUMN status TYPE varchar(40);")
    return s


written = 0
k = 0
while written < target:
    statements = module(k)
    with open(os.path.join(out_dir, f"{k + 1:06d}_module_{k}.sql"), "w") as f:
        f.write("\n".join(statements) + "\n")
    written += len(statements)
    k += 1
print(f"{written} statements in {k} migrations under {out_dir}", file=sys.stderr)
