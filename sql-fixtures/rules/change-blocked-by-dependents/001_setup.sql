CREATE TABLE versions (id bigint PRIMARY KEY, crate_id bigint, num text);
CREATE TABLE version_downloads (id bigint PRIMARY KEY, version_id bigint REFERENCES versions (id), downloads bigint);
CREATE VIEW recent AS
  SELECT crate_id, sum(downloads) AS downloads FROM version_downloads JOIN versions ON version_downloads.version_id = versions.id GROUP BY crate_id;
CREATE VIEW version_numbers AS SELECT num FROM versions;
