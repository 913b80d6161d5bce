DROP INDEX load_rows_review;
CREATE INDEX source_records_key ON source_records (source, source_key);
CREATE INDEX source_records_tin ON source_records (tin);
CREATE INDEX source_records_reg_number ON source_records (reg_number);
