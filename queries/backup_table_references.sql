-- Which tables of an attached database each table refers to by a foreign key (child → parent), so that a backup
-- copies parents' rows before their children's.
SELECT DISTINCT table_name, referenced_table FROM duckdb_constraints()
WHERE database_name = $database AND schema_name = 'main' AND constraint_type = 'FOREIGN KEY'
ORDER BY ALL
