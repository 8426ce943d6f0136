-- expect
REINDEX INDEX s.t_a_idx;
-- expect
REINDEX TABLE s.t;
REINDEX (CONCURRENTLY) TABLE s.t;
REINDEX TABLE CONCURRENTLY s.t;
CREATE TABLE fresh (x int);
REINDEX TABLE fresh;
-- `CONCURRENTLY false` (or `off`, `0`) is the plain, blocking rebuild.
-- expect
REINDEX (CONCURRENTLY false) TABLE s.t;
-- expect
REINDEX (CONCURRENTLY off, VERBOSE) INDEX s.t_a_idx;
REINDEX (CONCURRENTLY true) TABLE s.t;
REINDEX (VERBOSE, CONCURRENTLY) TABLE s.t;
