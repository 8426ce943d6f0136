-- expect
ALTER TABLE orders DISABLE TRIGGER orders_touch;
-- expect
DROP TRIGGER orders_touch ON orders;
DROP TRIGGER IF EXISTS never_created ON orders;
CREATE TABLE fresh (id bigint, at timestamptz);
CREATE TRIGGER fresh_touch BEFORE UPDATE ON fresh FOR EACH ROW EXECUTE FUNCTION touch();
