-- The id the next upload batch gets (ids are assigned here, not by a sequence, so that the same statements run on a
-- DuckDB file and on DuckLake; the transaction that inserts it also bumps the data version, so two can't share one).
SELECT coalesce(max(id), 0) + 1 FROM batch
