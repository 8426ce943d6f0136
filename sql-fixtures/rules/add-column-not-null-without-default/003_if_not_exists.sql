ALTER TABLE "Tickets" ADD COLUMN code text;
