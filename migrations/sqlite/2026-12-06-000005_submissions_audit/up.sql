-- Agency submissions, their idempotency keys, and the hash-chained audit log.
-- Keep in step with ../../postgres/2026-12-06-000005_submissions_audit/up.sql.

-- The source whose statement a change recorded, so that the change feed
-- can be followed per source. Empty for changes that record no statement
-- (a link or an event alone).
ALTER TABLE change_log ADD COLUMN source TEXT;
CREATE INDEX change_log_source ON change_log (source, seq);

-- One row per submission request, with the answer it got. The answer is
-- what a retry with the same Idempotency-Key gets back, byte for byte;
-- rows are kept for good, which is "at least 30 days".
CREATE TABLE submissions (
    id BIGINT PRIMARY KEY NOT NULL,
    -- Whose keys these are: "agency:tax" for every token of an agency, or
    -- "token:ID" for a member of staff.
    scope TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    -- SHA-256 of the request body, to tell a retry from a different request.
    body_hash TEXT NOT NULL,
    http_status INTEGER NOT NULL,
    response TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (scope, idempotency_key)
);

-- A submitted birth the matcher is unsure of waits for review like a load's
-- row: its item names the submission instead of a load (and `line` is the
-- event's number in it). SQLite cannot drop NOT NULL in place: the table is
-- rebuilt; nothing refers to it.
CREATE TABLE review_items_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    load_id BIGINT REFERENCES loads (id),
    submission_id BIGINT REFERENCES submissions (id),
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
    created_at TIMESTAMP NOT NULL,
    CHECK ((load_id IS NULL) <> (submission_id IS NULL))
);
INSERT INTO review_items_new (id, load_id, line, source, source_key, fingerprint, reason,
    statement, candidates, status, unit_id, decided_by, decided_at, note, created_at)
SELECT id, load_id, line, source, source_key, fingerprint, reason,
    statement, candidates, status, unit_id, decided_by, decided_at, note, created_at
FROM review_items;
DROP TABLE review_items;
ALTER TABLE review_items_new RENAME TO review_items;
CREATE INDEX review_items_status ON review_items (status, id);
CREATE INDEX review_items_fingerprint ON review_items (source, fingerprint);

-- Who did what to the register, append-only. Each entry's hash covers its
-- fields and the previous entry's hash, so an edited, deleted or reordered
-- entry breaks the chain from there on (`sanaw audit verify`).
CREATE TABLE audit_log (
    id BIGINT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    agency TEXT,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    first_seq BIGINT,
    last_seq BIGINT,
    outcome TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_agency ON audit_log (agency, id);

-- The chain's end, written in the same transaction as each entry: deleting
-- the newest entries is caught too, not only a gap.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_id BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 0, '');
