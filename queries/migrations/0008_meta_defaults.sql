-- The meta keys that concurrent transactions update from the start, so that the first two commits of a new
-- database meet on one row (DuckDB: write-write conflict) or one table's deleted row (DuckLake) and one runs
-- again. Without them the first commits would each insert the key: on DuckLake both commit (only inserts never
-- conflict), giving two batches the same id and two data_version rows. Runs on a file and on a lake as written.
INSERT INTO meta (key, value) SELECT 'data_version', '0' WHERE NOT EXISTS (SELECT 1 FROM meta WHERE key = 'data_version');
INSERT INTO meta (key, value) SELECT 'accounts_changed', '' WHERE NOT EXISTS (SELECT 1 FROM meta WHERE key = 'accounts_changed');
