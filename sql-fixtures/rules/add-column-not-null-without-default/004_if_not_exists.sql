-- `IF NOT EXISTS` of a column the table has does nothing: it cannot fail.
ALTER TABLE "Tickets" ADD COLUMN IF NOT EXISTS code text NOT NULL;
