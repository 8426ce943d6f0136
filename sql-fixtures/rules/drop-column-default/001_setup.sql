CREATE TABLE posts (id bigint PRIMARY KEY, state text NOT NULL DEFAULT 'draft', views int, lang text DEFAULT 'en');
