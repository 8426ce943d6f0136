-- expect
CREATE TABLE orders (id bigint PRIMARY KEY, status text, payment_state varchar(20), CHECK (payment_state IN ('due', 'paid')));
CREATE TABLE jobs (id bigint PRIMARY KEY, kind text CHECK (kind <> ''));
CREATE TYPE mood AS ENUM ('a', 'b');
CREATE TABLE diary (id bigint PRIMARY KEY, state mood);
CREATE TABLE statuses (code text PRIMARY KEY);
CREATE TABLE tickets (id bigint PRIMARY KEY, status text REFERENCES statuses (code));
