SELECT id FROM members WHERE upper(handle) = $1;

-- expect
SELECT id FROM members WHERE lower(handle) = $1;

-- A time-zone-dependent function: the fix is a range, not an index.
-- expect
SELECT id FROM members WHERE date_trunc('day', joined) = $1;

-- A function over a column no index leads with: unindexed-query's finding.
SELECT id FROM members WHERE extract(year FROM born) = $1;
