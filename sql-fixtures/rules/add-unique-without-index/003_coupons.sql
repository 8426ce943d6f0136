CREATE TABLE coupons (id bigint PRIMARY KEY);
