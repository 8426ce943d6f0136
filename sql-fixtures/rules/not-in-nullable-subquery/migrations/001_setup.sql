CREATE TABLE teams (id bigint PRIMARY KEY, lead_id bigint, CONSTRAINT lead_set CHECK (lead_id IS NOT NULL));
CREATE TABLE people (id bigint PRIMARY KEY, team_id bigint, manager_id bigint);
