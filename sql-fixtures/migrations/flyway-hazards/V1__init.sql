CREATE TABLE "Users" (
    id serial PRIMARY KEY,
    "Email" varchar(255),
    nickname text
);
CREATE TABLE posts (id bigserial PRIMARY KEY, author_id integer REFERENCES "Users" (id), body text);
CREATE VIEW post_authors AS SELECT p.id, u."Email" FROM posts p JOIN "Users" u ON u.id = p.author_id;
