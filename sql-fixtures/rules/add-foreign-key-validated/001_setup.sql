CREATE TABLE "Teams" (id bigint PRIMARY KEY);
CREATE TABLE members (id bigint PRIMARY KEY, team_id bigint, mentor_id bigint);
