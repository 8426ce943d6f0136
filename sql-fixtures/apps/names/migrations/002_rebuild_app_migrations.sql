-- Rebuilds app_migrations keyed by (line, version) inside a DO block, which pgproof does not
-- replay: the queries on its new column must not be reported.
DO
$body$
BEGIN
    -- Installs that skipped 001 don't have the table, so there's nothing to rebuild.
    IF (SELECT to_regclass('app_migrations') IS NOT NULL) THEN
        ALTER TABLE app_migrations RENAME TO app_migrations_old;
        CREATE TABLE app_migrations (
            line text NOT NULL,
            version bigint NOT NULL,
            PRIMARY KEY (line, version)
        );
        INSERT INTO app_migrations (line, version) SELECT 'main', version FROM app_migrations_old;
        DROP TABLE app_migrations_old;
    END IF;
END;
$body$;
