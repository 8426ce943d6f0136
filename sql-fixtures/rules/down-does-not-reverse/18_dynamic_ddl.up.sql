CREATE TABLE jobs (id bigint PRIMARY KEY);
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                   WHERE table_name = 'jobs' AND column_name = 'attempt') THEN
        EXECUTE format('ALTER TABLE %I ADD COLUMN attempt int', 'jobs');
    END IF;
END $$;
