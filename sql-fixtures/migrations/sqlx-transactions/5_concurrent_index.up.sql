-- no-transaction
CREATE INDEX CONCURRENTLY accounts_last_login_idx ON accounts (last_login);
