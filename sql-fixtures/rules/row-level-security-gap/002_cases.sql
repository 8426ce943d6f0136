CREATE TABLE projects (id bigint PRIMARY KEY, tenant_id bigint);
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY projects_tenant ON projects USING (true);
-- expect
CREATE TABLE files (id bigint PRIMARY KEY, org_id bigint);
-- expect
CREATE TABLE locked (id bigint PRIMARY KEY);
ALTER TABLE locked ENABLE ROW LEVEL SECURITY;
-- expect
CREATE TABLE loose (id bigint PRIMARY KEY);
CREATE POLICY loose_all ON loose USING (true);
CREATE TABLE countries (code text PRIMARY KEY);
