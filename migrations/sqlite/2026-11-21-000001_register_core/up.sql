-- The register core: units, their bitemporal source records, links, events,
-- the ordered change log, reference data and API tokens.
-- Keep in step with ../../postgres/2026-11-21-000001_register_core/up.sql:
-- the column names and meanings are the same, only the SQL types differ.

-- One row. Every register write locks it first, so writers are serialised
-- and change sequence numbers are handed out in commit order.
CREATE TABLE register_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq BIGINT NOT NULL,
    last_unit_id BIGINT NOT NULL,
    last_event_id BIGINT NOT NULL
);
INSERT INTO register_head (id, last_seq, last_unit_id, last_event_id) VALUES (1, 0, 0, 0);

CREATE TABLE units (
    id BIGINT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    prn DOUBLE NOT NULL,
    created_seq BIGINT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);

-- What one source said about one unit, valid from/to (world time) and
-- recorded/superseded (register time). A correction never updates values in
-- place: it sets superseded_at and inserts the new belief.
CREATE TABLE source_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    source TEXT NOT NULL,
    source_key TEXT,
    valid_from DATE NOT NULL,
    valid_to DATE,
    recorded_at TIMESTAMP NOT NULL,
    superseded_at TIMESTAMP,
    seq BIGINT NOT NULL,
    origin_kind TEXT NOT NULL,
    origin_ref TEXT,
    name TEXT,
    legal_form TEXT,
    tin TEXT,
    reg_number TEXT,
    activity_code TEXT,
    institutional_sector TEXT,
    address TEXT,
    region TEXT,
    status TEXT,
    birth_date DATE,
    death_date DATE,
    employees BIGINT,
    turnover BIGINT,
    turnover_year INTEGER,
    tax_status TEXT,
    vat_registered BOOLEAN,
    extra TEXT
);
CREATE INDEX source_records_unit ON source_records (unit_id, valid_from);
CREATE INDEX source_records_key ON source_records (source, source_key);
CREATE INDEX source_records_tin ON source_records (tin);
CREATE INDEX source_records_reg_number ON source_records (reg_number);

CREATE TABLE unit_links (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    from_unit BIGINT NOT NULL REFERENCES units (id),
    to_unit BIGINT NOT NULL REFERENCES units (id),
    valid_from DATE NOT NULL,
    valid_to DATE,
    recorded_at TIMESTAMP NOT NULL,
    superseded_at TIMESTAMP,
    seq BIGINT NOT NULL,
    origin_kind TEXT NOT NULL,
    origin_ref TEXT
);
CREATE INDEX unit_links_from ON unit_links (from_unit);
CREATE INDEX unit_links_to ON unit_links (to_unit);

CREATE TABLE events (
    id BIGINT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    event_date DATE NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    seq BIGINT NOT NULL,
    origin_kind TEXT NOT NULL,
    origin_ref TEXT,
    note TEXT
);

CREATE TABLE event_units (
    event_id BIGINT NOT NULL REFERENCES events (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    role TEXT NOT NULL,
    PRIMARY KEY (event_id, unit_id, role)
);
CREATE INDEX event_units_unit ON event_units (unit_id);

-- One row per unit per committed change, in commit order: the feed that the
-- search index, the public change feed and replicas follow.
CREATE TABLE change_log (
    seq BIGINT PRIMARY KEY NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    kind TEXT NOT NULL,
    changed_fields TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    origin_kind TEXT NOT NULL,
    origin_ref TEXT
);
CREATE INDEX change_log_unit ON change_log (unit_id, seq);

CREATE TABLE classifications (
    scheme TEXT NOT NULL,
    code TEXT NOT NULL,
    level INTEGER NOT NULL,
    parent TEXT,
    title TEXT NOT NULL,
    PRIMARY KEY (scheme, code)
);
CREATE INDEX classifications_parent ON classifications (scheme, parent);

CREATE TABLE legal_forms (
    code TEXT PRIMARY KEY NOT NULL,
    name_tk TEXT NOT NULL,
    name_ru TEXT NOT NULL,
    abbreviations TEXT NOT NULL,
    kind TEXT NOT NULL
);

CREATE TABLE regions (
    code TEXT PRIMARY KEY NOT NULL,
    name_tk TEXT NOT NULL,
    name_ru TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    agency TEXT,
    label TEXT,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
