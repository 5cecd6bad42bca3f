-- The views of an attached database, with the statement that creates each, to be created again in a lake.
SELECT view_name, sql FROM duckdb_views() WHERE database_name = $database AND schema_name = 'main' AND NOT internal
ORDER BY view_name
