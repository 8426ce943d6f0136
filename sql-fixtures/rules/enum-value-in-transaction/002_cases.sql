BEGIN;
ALTER TYPE mood ADD VALUE 'happy';
-- expect
INSERT INTO diary VALUES (1, 'happy');
-- Another value that existed before is fine.
INSERT INTO diary VALUES (2, 'ok');
COMMIT;
-- After the commit the value is usable.
INSERT INTO diary VALUES (3, 'happy');
