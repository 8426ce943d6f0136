DROP INDEX teams_name_idx;
