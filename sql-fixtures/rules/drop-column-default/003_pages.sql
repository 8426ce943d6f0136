CREATE TABLE pages (id bigint PRIMARY KEY, title text NOT NULL DEFAULT 'untitled', hits int, kind text NOT NULL DEFAULT 'plain');
