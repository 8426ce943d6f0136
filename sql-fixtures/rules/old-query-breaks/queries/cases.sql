-- Without --since there is no running release to check: the rule stays silent, even on a
-- query that fails (query-references-missing-object reports that one).
SELECT label FROM widgets;
