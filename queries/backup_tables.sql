-- The tables of an attached database (a backup's source or target), to be fingerprinted one by one.
SELECT table_name FROM duckdb_tables() WHERE database_name = $database AND schema_name = 'main' ORDER BY table_name
