CREATE TABLE pages (id bigint PRIMARY KEY, title text NOT NULL DEFAULT 'untitled', hits int, kind text NOT NULL DEFAULT 'plain');
CREATE TABLE settings (team_id int NOT NULL, shown boolean NOT NULL DEFAULT true);
