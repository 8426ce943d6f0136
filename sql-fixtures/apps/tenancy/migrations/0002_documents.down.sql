DROP VIEW recent_documents; DROP TABLE documents;
