-- For the keys a batch touched, the row of the newest still-committed batch becomes current
-- (rollback, step 2, after the batch is marked rolled back). Parameters: $batch_id INTEGER.
-- The period bounds (implied by the joins) let DuckDB skip the row groups of other months, as in rollback_clear.
UPDATE fact SET is_current = true
FROM (
    SELECT f.indicator_code, f.township_id, f.period, max(f.batch_id) AS batch_id
    FROM fact f
    JOIN batch b ON b.id = f.batch_id AND b.status = 'committed'
    JOIN (SELECT indicator_code, township_id, period FROM fact WHERE batch_id = $batch_id) t
      ON t.indicator_code = f.indicator_code AND t.township_id = f.township_id AND t.period = f.period
    WHERE f.period BETWEEN (SELECT min(period) FROM fact WHERE batch_id = $batch_id)
                       AND (SELECT max(period) FROM fact WHERE batch_id = $batch_id)
    GROUP BY f.indicator_code, f.township_id, f.period
) newest
WHERE fact.indicator_code = newest.indicator_code AND fact.township_id = newest.township_id
  AND fact.period = newest.period AND fact.batch_id = newest.batch_id
  AND fact.period BETWEEN (SELECT min(period) FROM fact WHERE batch_id = $batch_id)
                      AND (SELECT max(period) FROM fact WHERE batch_id = $batch_id)
