-- The parcel's order: nothing in the name says so, but the queries join it to orders.id.
CREATE TABLE shipments (
  id bigint PRIMARY KEY,
  parcel_of bigint NOT NULL,
  carrier text NOT NULL
);
