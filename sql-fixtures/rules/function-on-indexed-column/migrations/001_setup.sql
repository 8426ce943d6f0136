CREATE TABLE members (id bigint PRIMARY KEY, handle text NOT NULL, joined timestamptz NOT NULL, born date);
CREATE INDEX members_handle_idx ON members (handle);
CREATE INDEX members_joined_idx ON members (joined);
CREATE INDEX members_upper_handle_idx ON members (upper(handle));
