-- expect
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id integer REFERENCES customers (id));
-- expect
CREATE TABLE coupons (id bigint PRIMARY KEY, customer_code varchar(8) REFERENCES customers (code));
-- serial and bigserial compare as their integer types.
CREATE TABLE invoices (id bigserial PRIMARY KEY, customer_id bigint REFERENCES customers (id));
CREATE TABLE credit_notes (id bigint PRIMARY KEY, invoice_id bigint REFERENCES invoices (id));
-- The referenced column's type is unknown: no guess.
CREATE TABLE legacy_refs (id bigint PRIMARY KEY, legacy_id integer REFERENCES legacy (id));
-- Integer widths share one operator family, as text and varchar do: a wider referencing column
-- joins through the indexes with no cast and cannot overflow.
CREATE TABLE regions (id integer PRIMARY KEY, code varchar(8) UNIQUE NOT NULL);
CREATE TABLE offices (id bigint PRIMARY KEY, region_id bigint REFERENCES regions (id), region_code text REFERENCES regions (code));
-- A narrower one can: once the key passes its range, inserts here fail.
-- expect
CREATE TABLE desks (id bigint PRIMARY KEY, office_id integer REFERENCES offices (id));
