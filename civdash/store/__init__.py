"""Storage: where the data lives (a DuckDB file or the shared DuckLake), connections, migrations, named SQL, transfer
and backup. Imports nothing else of civdash (one exception, named in pyproject.toml's import contracts)."""
