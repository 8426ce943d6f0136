-- A required column it added: the previous release's inserts, which leave it out, fail.
ALTER TABLE pages ADD COLUMN summary text NOT NULL DEFAULT '';
-- expect
ALTER TABLE pages ALTER COLUMN summary DROP DEFAULT;
-- A key column added and required later in the migration: every insert of the previous release
-- into `settings` fails (it knows no `id`), so what dropping this default would change for them
-- is moot; `constraint-rejects-old-writes` reports the new requirement.
ALTER TABLE settings ADD COLUMN id text, ALTER COLUMN shown DROP NOT NULL, ALTER COLUMN shown DROP DEFAULT;
UPDATE settings SET id = 's' || team_id;
ALTER TABLE settings ALTER COLUMN id SET NOT NULL, ADD PRIMARY KEY (id);
