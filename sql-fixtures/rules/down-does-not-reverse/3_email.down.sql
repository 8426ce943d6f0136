-- expect
ALTER TABLE "Users" ALTER COLUMN email TYPE varchar(100);
