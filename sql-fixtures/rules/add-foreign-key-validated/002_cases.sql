-- expect
ALTER TABLE members ADD CONSTRAINT members_team_id_fkey FOREIGN KEY (team_id) REFERENCES "Teams" (id);
-- NOT VALID is the first step of the safe recipe.
ALTER TABLE members ADD CONSTRAINT members_mentor_id_fkey FOREIGN KEY (mentor_id) REFERENCES members (id) NOT VALID;
-- A foreign key inside CREATE TABLE only briefly locks the referenced table.
CREATE TABLE invites (id bigint PRIMARY KEY, team_id bigint REFERENCES "Teams" (id));
-- A table created in this migration has no rows to check.
ALTER TABLE invites ADD CONSTRAINT invites_self_fkey FOREIGN KEY (id) REFERENCES invites (id);
