-- migrate:up
CREATE TABLE profiles (id bigint PRIMARY KEY, bio text);

-- migrate:down
DROP TABLE profiles;
