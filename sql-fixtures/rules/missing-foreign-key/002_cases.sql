-- expect
CREATE TABLE shop.orders (id bigint PRIMARY KEY, customer_id bigint, category_id integer REFERENCES shop.category (id));
-- `companies` by the -ies plural; uuid matches uuid.
-- expect
CREATE TABLE shop.contacts (id bigint PRIMARY KEY, company_id uuid);
-- serial keys compare as integer.
-- expect
CREATE TABLE shop.notes (id bigint PRIMARY KEY, person_id integer);
-- A type that does not match the key is not a reference.
CREATE TABLE shop.imports (id bigint PRIMARY KEY, customer_id text);
-- A foreign key added later counts.
CREATE TABLE shop.invoices (id bigint PRIMARY KEY, customer_id bigint);
ALTER TABLE shop.invoices ADD CONSTRAINT invoices_customer_fkey FOREIGN KEY (customer_id) REFERENCES shop.customers (id) NOT VALID;
-- No table of that name.
CREATE TABLE shop.events (id bigint PRIMARY KEY, session_id bigint);
