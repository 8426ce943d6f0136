-- expect
CREATE TABLE a_table_name_that_goes_on_and_on_well_past_the_limit_of_sixty_three (id bigint PRIMARY KEY);
CREATE TABLE exactly_sixty_three_bytes_long_name_xxxxxxxxxxxxxxxxxxxxxxxxxxx (id bigint PRIMARY KEY);
CREATE TABLE short_name (id bigint PRIMARY KEY);
-- expect
CREATE INDEX short_name_index_with_a_name_that_is_far_too_long_for_postgresql_x ON short_name (id);
-- Multi-byte characters count as several bytes: 32 two-byte letters are 64 bytes.
-- expect
CREATE TABLE "éééééééééééééééééééééééééééééééé" (id bigint PRIMARY KEY);
