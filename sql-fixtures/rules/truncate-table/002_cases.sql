-- expect
TRUNCATE a, b RESTART IDENTITY;
CREATE TABLE staging (x int);
TRUNCATE staging;
