-- expect
UPDATE crm."Leads" SET status = 'new';
UPDATE crm."Leads" SET status = 'new' WHERE status IS NULL;
-- expect
DELETE FROM crm."Leads";
CREATE TABLE crm.import (line text);
INSERT INTO crm.import VALUES ('a');
UPDATE crm.import SET line = upper(line);
