-- The id the next upload batch gets (ids are assigned here, not by a sequence, so that the same statements run on a
-- DuckDB file and on DuckLake; the transaction that inserts it also bumps the data version, so two can't share one).
-- Past the ids that fact rows carry too: a save killed during its commit can leave its fact rows behind without its
-- batch (DuckDB 1.5 replays the rows' row groups from the WAL without the rest of the transaction; docs/deployment.md).
-- Those rows must never be adopted by the next batch; `python -m civdash repair` removes them.
SELECT greatest(coalesce((SELECT max(id) FROM batch), 0), coalesce((SELECT max(batch_id) FROM fact), 0)) + 1
