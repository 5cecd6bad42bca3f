-- One table's rows and the xor of its rows' hashes ($name: 'db.main."table"'); reading every row makes DuckDB
-- check the checksum of every block the table uses.
SELECT count(*), coalesce(bit_xor(hash(t)), 0) FROM query_table($name) t
