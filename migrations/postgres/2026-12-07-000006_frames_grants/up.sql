-- Frozen survey frames and the exact-figures grant of analysts' tokens.
-- Keep in step with ../../sqlite/2026-12-07-000006_frames_grants/up.sql.

-- An analyst's token sees employees and turnover as size classes unless it
-- was created with this grant (staff tokens always see exact figures).
ALTER TABLE api_tokens ADD COLUMN exact_figures BOOLEAN NOT NULL DEFAULT FALSE;

-- A frame: the register as known when it was frozen, for a reference date.
CREATE TABLE frames (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    reference_date DATE NOT NULL,
    -- The filters it was frozen with, as JSON, to describe it.
    filters TEXT NOT NULL,
    include_dead BOOLEAN NOT NULL,
    frozen_at TIMESTAMP NOT NULL,
    frozen_by TEXT NOT NULL,
    -- The register version (last change seq) the frame reflects.
    register_version BIGINT NOT NULL,
    unit_count BIGINT NOT NULL,
    -- SHA-256 of its full, exact, raw CSV (every column).
    checksum TEXT NOT NULL
);

-- A frame's rows, a page of units per row: the CSV of every column, exact
-- and raw, stored once and never changed: later corrections cannot reach them.
CREATE TABLE frame_units (
    frame_id BIGINT NOT NULL REFERENCES frames (id),
    position BIGINT NOT NULL,
    -- Its rows as CSV text, each line ending CRLF; position 0 holds the header.
    rows TEXT NOT NULL,
    PRIMARY KEY (frame_id, position)
);
