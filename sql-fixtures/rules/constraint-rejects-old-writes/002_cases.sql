-- expect
ALTER TABLE invites ALTER COLUMN email SET NOT NULL;
-- Already NOT NULL.
ALTER TABLE invites ALTER COLUMN code SET NOT NULL;
-- expect
ALTER TABLE invites ADD CONSTRAINT invites_code_key UNIQUE (code);
CREATE TABLE fresh (x text);
ALTER TABLE fresh ADD CONSTRAINT fresh_x_check CHECK (x <> '');
