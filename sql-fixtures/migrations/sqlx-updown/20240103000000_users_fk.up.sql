CREATE TABLE teams (id uuid PRIMARY KEY);
ALTER TABLE users ADD COLUMN team_id uuid;
ALTER TABLE users ADD CONSTRAINT users_team_id_fkey FOREIGN KEY (team_id) REFERENCES teams (id);
