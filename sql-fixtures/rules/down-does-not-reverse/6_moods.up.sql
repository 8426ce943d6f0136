CREATE TABLE moods (
    id int PRIMARY KEY,
    note text,
    name varchar(20) NOT NULL DEFAULT 'calm' CHECK (char_length(name) > 0)
);
CREATE INDEX moods_lower_name_idx ON moods (lower(name));
