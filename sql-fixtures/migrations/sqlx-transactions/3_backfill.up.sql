SET lock_timeout = '5s';
ALTER TABLE accounts ADD COLUMN plan text;
UPDATE accounts SET plan = 'free' WHERE plan IS NULL;
CREATE INDEX accounts_plan_idx ON accounts (plan);
