DROP TABLE frame_units;
DROP TABLE frames;
ALTER TABLE api_tokens DROP COLUMN exact_figures;
