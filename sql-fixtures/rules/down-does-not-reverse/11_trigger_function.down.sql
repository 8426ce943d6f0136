-- `CASCADE` drops the trigger that calls the function.
DROP FUNCTION moods_touch() CASCADE;
