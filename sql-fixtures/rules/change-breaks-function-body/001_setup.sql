-- Functions whose bodies name tables and columns; PostgreSQL records no dependency on them.
CREATE TABLE item (id bigint PRIMARY KEY, title text NOT NULL, touched_at timestamptz);
INSERT INTO item VALUES (1, 'first', NULL);
CREATE FUNCTION touch_item() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.touched_at := now();
  RETURN NEW;
END;
$$;
CREATE TRIGGER item_touch BEFORE UPDATE ON item
  FOR EACH ROW EXECUTE FUNCTION touch_item();

CREATE TABLE orders (id bigint PRIMARY KEY, total numeric NOT NULL);
CREATE TABLE order_log (order_id bigint NOT NULL, note text);
CREATE FUNCTION log_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO order_log (order_id, note) VALUES (NEW.id, 'created');
  RETURN NEW;
END;
$$;
CREATE TRIGGER order_logged AFTER INSERT ON orders
  FOR EACH ROW EXECUTE FUNCTION log_order();

CREATE TABLE account (id bigint PRIMARY KEY, email text NOT NULL, plan text);
INSERT INTO account VALUES (1, 'a@example.com', 'free');
CREATE FUNCTION account_plan(p_id bigint) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT a.plan FROM account a WHERE a.id = p_id
$$;

CREATE TABLE scratch (id integer PRIMARY KEY, label text);
CREATE FUNCTION scratch_label(p integer) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  found text;
BEGIN
  SELECT label INTO found FROM scratch WHERE id = p;
  RETURN found;
END;
$$;

CREATE TABLE legacy (id integer);
CREATE FUNCTION count_legacy() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  EXECUTE 'SELECT count(*) FROM legacy' INTO n;
  RETURN n;
END;
$$;

CREATE TABLE note (id bigint PRIMARY KEY, label text, touched_at timestamptz);
