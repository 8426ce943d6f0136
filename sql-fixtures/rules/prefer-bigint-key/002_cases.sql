-- expect
CREATE TABLE a (id integer PRIMARY KEY);
-- expect
CREATE TABLE b (id smallserial, PRIMARY KEY (id));
CREATE TABLE c (id bigint PRIMARY KEY);
CREATE TABLE d (x int, y int, PRIMARY KEY (x, y));
CREATE TABLE e (code text PRIMARY KEY);
-- A key that is also a foreign key takes its range from the key it references.
CREATE TABLE e_details (code text PRIMARY KEY REFERENCES e (code));
CREATE TABLE profiles (user_id integer PRIMARY KEY REFERENCES a (id));
CREATE TABLE settings (user_id integer, PRIMARY KEY (user_id), FOREIGN KEY (user_id) REFERENCES a (id));
