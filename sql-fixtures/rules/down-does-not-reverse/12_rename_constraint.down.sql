-- The primary key's index was renamed with the constraint; renaming it back renames both.
ALTER INDEX moods_pk RENAME TO moods_pkey;
