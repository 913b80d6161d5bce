-- How many times the loading thread has started each load.
-- Keep in step with ../../postgres/2026-12-06-000004_load_attempts/up.sql.
--
-- A load found `running` at start-up was interrupted: the process died
-- while it ran, and its transaction never committed. It is run again, but a
-- load that itself kills the process (a file the loader cannot survive)
-- would then kill every restart; counting its starts lets the queue give up
-- on it instead.
ALTER TABLE loads ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
