-- expect
DROP TABLE legacy."OldOrders";
-- expect
DROP TABLE IF EXISTS audit CASCADE;
DROP TABLE IF EXISTS never_created;
CREATE TABLE staging (line text);
DROP TABLE staging;
