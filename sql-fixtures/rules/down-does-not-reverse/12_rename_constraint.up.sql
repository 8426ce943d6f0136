ALTER TABLE moods RENAME CONSTRAINT moods_pkey TO moods_pk;
