-- A table's columns as a new lake must declare them: name, type, NOT NULL, default (in order).
SELECT column_name, data_type, is_nullable, column_default FROM duckdb_columns()
WHERE database_name = $database AND schema_name = 'main' AND table_name = $table_name ORDER BY column_index
