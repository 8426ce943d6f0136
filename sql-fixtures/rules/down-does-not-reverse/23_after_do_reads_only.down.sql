-- expect
SELECT 1;
