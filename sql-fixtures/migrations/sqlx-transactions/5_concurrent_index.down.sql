-- no-transaction
DROP INDEX CONCURRENTLY accounts_last_login_idx;
