-- The next row's seq and the next submission's id of township_return (given here, not by a sequence, so that the
-- statement runs on a DuckDB file and on DuckLake; the transaction also updates meta 'filing_version', so two sessions
-- never both commit the same numbers).
SELECT coalesce(max(seq), 0) + 1 AS seq, coalesce(max(id), 0) + 1 AS id FROM township_return
