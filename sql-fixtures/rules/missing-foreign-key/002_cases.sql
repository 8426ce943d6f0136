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
-- A column joined to a key in a view, whatever its name (aliases, WHERE joins, UNION branches).
-- expect
CREATE TABLE shop.shipments (id bigint PRIMARY KEY, buyer bigint, carrier text, origin_order bigint);
CREATE VIEW shop.shipment_buyers AS
  SELECT s.id, c.id AS customer FROM shop.shipments AS s JOIN shop.customers c ON s.buyer = c.id
  UNION ALL
  SELECT s.id, o.id FROM shop.shipments s, shop.orders o WHERE o.id = s.origin_order AND s.carrier = 'x';
-- Joined on a column of another type, or key to key: not a reference.
CREATE TABLE shop.labels (id bigint PRIMARY KEY, code text);
CREATE VIEW shop.label_customers AS SELECT l.id FROM shop.labels l JOIN shop.customers c ON c.id = l.id;
-- Role-named references to the same table, shown by self-joins in views.
-- expect
CREATE TABLE shop.bills (id bigint PRIMARY KEY, parent_id bigint, previous_bill_id bigint, voided_bill_id bigint, amended_by bigint, total numeric);
CREATE VIEW shop.invoice_chain AS
  SELECT i.id, p.total AS previous_total, r.id AS root
  FROM shop.bills i JOIN shop.bills p ON p.id = i.previous_bill_id
  LEFT JOIN shop.bills r ON i.parent_id = r.id;
-- A role name alone, with no join anywhere, is not enough.
CREATE TABLE shop.ledger (id bigint PRIMARY KEY, parent_id bigint, voided_ledger_id bigint);
-- One alias compared with itself is a filter, not a join.
CREATE VIEW shop.ledger_roots AS SELECT l.id FROM shop.ledger l WHERE l.parent_id = l.id;
-- `flow_id` beside a `flows.id` that is not the key holds that `id`, which no foreign key can
-- reference: not a reference to the key `flows.key`.
CREATE TABLE shop.flows (key text PRIMARY KEY, id text NOT NULL, revision int NOT NULL);
CREATE TABLE shop.runs (key text PRIMARY KEY, flow_id text NOT NULL);
-- A column named after its own table is the row's own identifier, not a reference to itself.
CREATE TABLE shop.tickets (key text PRIMARY KEY, ticket_id text NOT NULL);
-- Nor one beside a column of the same name in that table: it holds that column.
CREATE TABLE shop.ticket_events (id bigint PRIMARY KEY, ticket_id text NOT NULL);
