CREATE INDEX CONCURRENTLY users_email_idx ON "Users" (email);
