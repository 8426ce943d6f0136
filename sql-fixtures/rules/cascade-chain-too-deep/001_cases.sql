-- expect
CREATE TABLE "Orgs" (id bigint PRIMARY KEY, parent_id bigint REFERENCES "Orgs" ON DELETE CASCADE);
CREATE SCHEMA app;
CREATE TABLE app.teams (id bigint PRIMARY KEY, org_id bigint NOT NULL REFERENCES "Orgs" ON DELETE CASCADE);
CREATE TABLE app.boards (id bigint PRIMARY KEY, team_id bigint NOT NULL REFERENCES app.teams ON DELETE CASCADE);
CREATE TABLE app.cards (id bigint PRIMARY KEY, board_id bigint NOT NULL REFERENCES app.boards ON DELETE CASCADE);
CREATE TABLE app.notes (id bigint PRIMARY KEY, card_id bigint REFERENCES app.cards ON DELETE CASCADE);
-- three levels only: silent
CREATE TABLE shops (id bigint PRIMARY KEY);
CREATE TABLE carts (id bigint PRIMARY KEY, shop_id bigint REFERENCES shops ON DELETE CASCADE);
CREATE TABLE lines (id bigint PRIMARY KEY, cart_id bigint REFERENCES carts ON DELETE CASCADE);
CREATE TABLE line_notes (id bigint PRIMARY KEY, line_id bigint REFERENCES lines ON DELETE CASCADE);
CREATE TABLE audit_refs (id bigint PRIMARY KEY, note_id bigint REFERENCES line_notes ON DELETE SET NULL);
