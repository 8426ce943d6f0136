-- A name alone is no evidence (a `status` may hold free text): silent.
CREATE TABLE orders (id bigint PRIMARY KEY, status text, payment_state varchar(20), CHECK (payment_state IN ('due', 'paid')));
-- Another table lists the values of a column of the same name: the set is closed here too.
-- expect
CREATE TABLE refunds (id bigint PRIMARY KEY, payment_state text);
CREATE TABLE jobs (id bigint PRIMARY KEY, kind text CHECK (kind <> ''));
CREATE TYPE mood AS ENUM ('a', 'b');
CREATE TABLE diary (id bigint PRIMARY KEY, state mood);
-- A column of the same name typed by an enum is no evidence: a `content_type` enum of formats
-- elsewhere says nothing of a `content_type` holding MIME types here.
CREATE TABLE notes (id bigint PRIMARY KEY, state text);
CREATE TABLE statuses (code text PRIMARY KEY);
CREATE TABLE tickets (id bigint PRIMARY KEY, status text REFERENCES statuses (code));
