-- A default this migration set on an existing column was never relied on by anything running.
ALTER TABLE pages ALTER COLUMN hits SET DEFAULT 0;
ALTER TABLE pages ALTER COLUMN hits DROP DEFAULT;
-- A nullable column it added: the previous release's inserts store NULL, as they would anyway.
ALTER TABLE pages ADD COLUMN note text DEFAULT '';
ALTER TABLE pages ALTER COLUMN note DROP DEFAULT;
-- Made nullable in the same statement, whatever the order: inserts that leave it out store NULL
-- (still reported, as a change of what they store).
-- expect
ALTER TABLE pages ALTER COLUMN title DROP NOT NULL, ALTER COLUMN title DROP DEFAULT;
-- Made nullable by a later statement of the same transaction: inserts that leave it out store
-- NULL (still reported, as a change of what they store, not as inserts that fail).
-- expect
ALTER TABLE pages ALTER COLUMN kind DROP DEFAULT;
ALTER TABLE pages ALTER COLUMN kind DROP NOT NULL;
