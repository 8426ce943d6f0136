-- expect
ALTER TABLE billing."Invoices" ADD CONSTRAINT "Invoices_Total_check" CHECK ("Total" >= 0);
ALTER TABLE billing."Invoices" ADD CONSTRAINT invoices_total_max CHECK ("Total" < 1000000) NOT VALID;
ALTER TABLE billing."Invoices" VALIDATE CONSTRAINT invoices_total_max;
CREATE TABLE billing.credits (amount numeric);
ALTER TABLE billing.credits ADD CONSTRAINT credits_amount_check CHECK (amount > 0);
