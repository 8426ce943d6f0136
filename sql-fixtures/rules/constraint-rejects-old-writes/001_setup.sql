CREATE TABLE invites (id bigint PRIMARY KEY, email text, code text NOT NULL);
