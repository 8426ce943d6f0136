CREATE SCHEMA shop;
CREATE TABLE shop.customers (id bigint PRIMARY KEY);
CREATE TABLE shop.category (id integer PRIMARY KEY);
CREATE TABLE shop.companies (id uuid PRIMARY KEY);
CREATE TABLE shop.person (id serial PRIMARY KEY);
