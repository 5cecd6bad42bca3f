-- The kind of the connection's default database: 'duckdb' for a file or memory, 'ducklake' for the shared store.
SELECT type FROM duckdb_databases() WHERE database_name = current_database()
