CREATE TABLE moods (
    id int PRIMARY KEY,
    note text,
    day date,
    name varchar(20) NOT NULL DEFAULT 'calm' CHECK (char_length(name) > 0)
);
CREATE INDEX moods_lower_name_idx ON moods (lower(name));
CREATE INDEX moods_day_idx ON moods (date(day));
