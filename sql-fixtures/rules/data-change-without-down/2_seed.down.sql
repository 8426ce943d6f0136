DELETE FROM flags WHERE name = 'beta';
