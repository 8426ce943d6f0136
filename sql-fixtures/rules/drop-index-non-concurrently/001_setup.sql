CREATE SCHEMA app;
CREATE TABLE app."Users" (id bigint PRIMARY KEY, email text);
CREATE INDEX "Users_email_idx" ON app."Users" (email);
CREATE TABLE posts (id bigint PRIMARY KEY, title text);
CREATE INDEX posts_title_idx ON posts (title);
