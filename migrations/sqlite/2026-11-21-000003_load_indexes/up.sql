-- Indexes that serve the queries the register makes, and no others.
-- Keep in step with the other backend's folder of the same name.

-- Identifiers are looked up in the load's in-memory snapshot, never in SQL;
-- a record's own versions are found through source_records_unit. These
-- three indexes cost a random-order B-tree insert each for every record a
-- load wrote, and served no query.
DROP INDEX source_records_key;
DROP INDEX source_records_tin;
DROP INDEX source_records_reg_number;

-- A review decision updates the load rows that waited for it; without this
-- it scanned every row of every load.
CREATE INDEX load_rows_review ON load_rows (review_id) WHERE review_id IS NOT NULL;
