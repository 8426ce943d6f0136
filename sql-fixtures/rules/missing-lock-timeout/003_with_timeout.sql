SET lock_timeout = '3s';
ALTER TABLE a DROP COLUMN w;
CREATE INDEX b_y_idx ON b (y);
