CREATE TABLE s (token text, other text NOT NULL);
CREATE TABLE s2 (token text);
