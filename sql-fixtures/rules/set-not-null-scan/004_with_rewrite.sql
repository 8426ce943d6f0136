-- A type change that rewrites the table checks the NULLs while it rewrites: no scan of its own.
ALTER TABLE counters ALTER COLUMN hits TYPE bigint, ALTER COLUMN hits SET NOT NULL;
ALTER TABLE counters ALTER COLUMN note TYPE text USING coalesce(note, ''), ALTER COLUMN note SET NOT NULL;
-- One that does not rewrite (a longer varchar) leaves the scan.
-- expect
ALTER TABLE counters ALTER COLUMN label TYPE varchar(40), ALTER COLUMN label SET NOT NULL;
