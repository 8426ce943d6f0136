-- `attempt` came from a DO block pgproof does not run: what it knows of `jobs` is unreliable.
ALTER TABLE jobs ADD COLUMN attempt int;
