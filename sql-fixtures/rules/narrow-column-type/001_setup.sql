CREATE TABLE devices (uuid char(36) PRIMARY KEY, name varchar(100), hits bigint, note text);
