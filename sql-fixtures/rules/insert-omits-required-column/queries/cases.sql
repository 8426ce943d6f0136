INSERT INTO audit_log (actor, action) VALUES ($1, $2);
-- Without a column list, values fill the columns in order.
INSERT INTO audit_log VALUES (DEFAULT, $1, $2);
-- INSERT ... SELECT without a column list: width unknown, not judged.
INSERT INTO audit_log SELECT * FROM audit_log;

-- expect
INSERT INTO audit_log (actor, note) VALUES ($1, $2);

-- expect
INSERT INTO audit_log DEFAULT VALUES;

-- expect
INSERT INTO audit_log VALUES (DEFAULT, $1);
