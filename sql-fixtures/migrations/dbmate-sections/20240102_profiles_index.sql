-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY profiles_bio_idx ON profiles (bio);
ALTER TABLE profiles ALTER COLUMN bio SET NOT NULL;

-- migrate:down
DROP INDEX profiles_bio_idx;
