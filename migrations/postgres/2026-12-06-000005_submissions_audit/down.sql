DROP TABLE audit_head;
DROP TABLE audit_log;
DROP TABLE submissions;
DROP INDEX change_log_source;
ALTER TABLE change_log DROP COLUMN source;
