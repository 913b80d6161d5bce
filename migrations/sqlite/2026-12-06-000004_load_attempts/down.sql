ALTER TABLE loads DROP COLUMN attempts;
