DROP TABLE members; DROP TABLE tenants;
