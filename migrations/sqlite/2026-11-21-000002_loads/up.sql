-- Loads of agency extracts, what became of each row, and the review queue.
-- Keep in step with ../../postgres/2026-11-21-000002_loads/up.sql.

-- One row per load, queued or done. The load's register changes and its
-- final status commit in one transaction, so a load marked `done` is whole
-- and a `running` one found at start-up was interrupted and changed nothing.
CREATE TABLE loads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    file_name TEXT,
    dry_run BOOLEAN NOT NULL,
    effective_date DATE NOT NULL,
    encoding TEXT,
    status TEXT NOT NULL,
    requested_by TEXT,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    report TEXT,
    error TEXT
);
CREATE INDEX loads_source ON loads (source, status, id);

-- What became of each accepted row of a load (the links export).
CREATE TABLE load_rows (
    load_id BIGINT NOT NULL REFERENCES loads (id),
    line BIGINT NOT NULL,
    source_key TEXT,
    unit_id BIGINT,
    method TEXT NOT NULL,
    score DOUBLE,
    review_id BIGINT,
    PRIMARY KEY (load_id, line)
);

-- Rows a load could not use, with the reason.
CREATE TABLE load_rejections (
    load_id BIGINT NOT NULL REFERENCES loads (id),
    line BIGINT NOT NULL,
    column_name TEXT,
    reason TEXT NOT NULL,
    PRIMARY KEY (load_id, line)
);

-- Rows the matcher was unsure of, with their candidates and evidence.
-- `fingerprint` names the row across extracts (its key, or its normalised
-- name, address and region when it has none), so a decision is remembered.
CREATE TABLE review_items (
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
CREATE INDEX review_items_status ON review_items (status, id);
CREATE INDEX review_items_fingerprint ON review_items (source, fingerprint);
