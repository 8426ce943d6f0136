CREATE SCHEMA app;
CREATE TYPE app."State" AS ENUM ('new', 'done');
