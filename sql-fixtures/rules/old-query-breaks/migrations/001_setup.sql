CREATE TABLE widgets (id bigint PRIMARY KEY, label text NOT NULL);
ALTER TABLE widgets RENAME COLUMN label TO title;
