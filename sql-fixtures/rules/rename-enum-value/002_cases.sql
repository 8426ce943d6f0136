-- expect
ALTER TYPE state RENAME VALUE 'closed' TO 'resolved';
CREATE TYPE fresh AS ENUM ('a');
ALTER TYPE fresh RENAME VALUE 'a' TO 'b';
