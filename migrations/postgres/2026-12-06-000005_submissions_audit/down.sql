DELETE FROM review_items WHERE load_id IS NULL;
ALTER TABLE review_items DROP CONSTRAINT review_items_one_origin;
ALTER TABLE review_items DROP COLUMN submission_id;
ALTER TABLE review_items ALTER COLUMN load_id SET NOT NULL;
DROP TABLE audit_head;
DROP TABLE audit_log;
DROP TABLE submissions;
DROP INDEX change_log_source;
ALTER TABLE change_log DROP COLUMN source;
