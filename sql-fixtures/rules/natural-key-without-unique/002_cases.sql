-- expect
CREATE TABLE users (id bigint PRIMARY KEY, email text, username text UNIQUE);
CREATE TABLE members (id bigint PRIMARY KEY, org_id bigint, email text, UNIQUE (org_id, email));
CREATE TABLE accounts (id bigint PRIMARY KEY, email text);
CREATE UNIQUE INDEX accounts_email_key ON accounts (lower(email));
-- A later unique index counts.
CREATE TABLE posts (id bigint PRIMARY KEY, slug text);
CREATE UNIQUE INDEX CONCURRENTLY posts_slug_key ON posts (slug);
-- A contact address of an organisation is not a login.
CREATE TABLE offices (id bigint PRIMARY KEY, email text);
-- expect
CREATE TABLE customer_accounts (id bigint PRIMARY KEY, email_address text);
-- expect
CREATE TABLE projects (id bigint PRIMARY KEY, organization_id bigint NOT NULL, external_id text);
-- A key unique within each tenant counts.
CREATE TABLE tags (id bigint PRIMARY KEY, account_id bigint NOT NULL, slug text, UNIQUE (account_id, slug));
-- The person who acted, in a log or an audit trail, or who holds a token, repeats by design.
CREATE TABLE audit_log (id bigint PRIMARY KEY, username text NOT NULL, action text NOT NULL);
CREATE TABLE user_login_attempts (id bigint PRIMARY KEY, login text NOT NULL, at timestamptz);
CREATE TABLE access_token (auth_id text PRIMARY KEY, user_name text, client_id text NOT NULL);
-- A login in a table of people is a key.
-- expect
CREATE TABLE staff_members (id bigint PRIMARY KEY, handle text NOT NULL);
-- A table of logins is not a log.
-- expect
CREATE TABLE user_logins (id bigint PRIMARY KEY, login text NOT NULL);
-- Invitations sent to people: the same address is invited by many teams, and again after a
-- decline.
CREATE TABLE "TeamMemberInvite" (id text PRIMARY KEY, "teamId" text NOT NULL, email text NOT NULL, token text NOT NULL UNIQUE, status text NOT NULL);
CREATE TABLE member_requests (id bigint PRIMARY KEY, email text NOT NULL, sent_at timestamptz);
