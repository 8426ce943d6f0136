CREATE TABLE payments (id bigint PRIMARY KEY, amount numeric, payer_id bigint);
CREATE TABLE payers (id bigint PRIMARY KEY);
