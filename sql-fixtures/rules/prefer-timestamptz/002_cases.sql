-- expect
CREATE TABLE a (at timestamp);
-- expect
CREATE TABLE b (at timestamp(3) without time zone);
CREATE TABLE c (at timestamptz, at2 timestamp with time zone, d date);
