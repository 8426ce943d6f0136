CREATE TABLE banners (id bigint PRIMARY KEY, text text);
