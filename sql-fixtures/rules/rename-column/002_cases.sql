-- expect
ALTER TABLE "Users" RENAME COLUMN "Nick" TO handle;
-- Renaming a view's column is not the table's business.
ALTER VIEW nicks RENAME COLUMN "Nick" TO handle;
CREATE TABLE fresh (a int);
ALTER TABLE fresh RENAME COLUMN a TO b;
