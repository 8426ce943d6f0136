BEGIN;
-- The lock of a table the transaction dropped blocks nothing that could succeed.
DROP TABLE banners;
CREATE TABLE site_settings (id bigint PRIMARY KEY, data jsonb);
COMMIT;
