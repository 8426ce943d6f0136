CREATE INDEX teams_name_idx ON teams (name);
