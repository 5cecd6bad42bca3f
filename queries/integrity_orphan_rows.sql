-- Fact rows whose batch does not exist: what a save killed during its commit leaves behind (DuckDB replays the
-- inserted rows' row groups from the WAL without the rest of the transaction). One row per missing batch id.
SELECT f.batch_id, count(*) AS facts, count(*) FILTER (WHERE f.is_current) AS current_facts
FROM fact f
WHERE NOT EXISTS (SELECT 1 FROM batch b WHERE b.id = f.batch_id)
GROUP BY f.batch_id
ORDER BY f.batch_id
