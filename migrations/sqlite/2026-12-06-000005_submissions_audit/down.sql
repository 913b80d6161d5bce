CREATE TABLE review_items_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    load_id BIGINT NOT NULL REFERENCES loads (id),
    line BIGINT NOT NULL,
    source TEXT NOT NULL,
    source_key TEXT,
    fingerprint TEXT NOT NULL,
    reason TEXT NOT NULL,
    statement TEXT NOT NULL,
    candidates TEXT NOT NULL,
    status TEXT NOT NULL,
    unit_id BIGINT,
    decided_by TEXT,
    decided_at TIMESTAMP,
    note TEXT,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO review_items_old SELECT id, load_id, line, source, source_key, fingerprint, reason,
    statement, candidates, status, unit_id, decided_by, decided_at, note, created_at
FROM review_items WHERE load_id IS NOT NULL;
DROP TABLE review_items;
ALTER TABLE review_items_old RENAME TO review_items;
CREATE INDEX review_items_status ON review_items (status, id);
CREATE INDEX review_items_fingerprint ON review_items (source, fingerprint);
DROP TABLE audit_head;
DROP TABLE audit_log;
DROP TABLE submissions;
DROP INDEX change_log_source;
ALTER TABLE change_log DROP COLUMN source;
