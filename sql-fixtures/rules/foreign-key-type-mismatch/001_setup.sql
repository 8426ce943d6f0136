CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, code char(8) UNIQUE);
-- Column types the replay cannot see.
CREATE TABLE legacy AS SELECT 1::bigint AS id;
ALTER TABLE legacy ADD PRIMARY KEY (id);
