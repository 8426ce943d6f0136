CREATE TABLE plans (code text PRIMARY KEY, cents int);
CREATE TABLE flags (name text PRIMARY KEY);
