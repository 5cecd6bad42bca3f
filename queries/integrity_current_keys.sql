-- Keys (indicator, township, month) whose current value is not exactly one row of a committed batch: two or more
-- current rows, a current row of a rolled-back or missing batch, or none while a committed batch holds the key.
-- Counted by kind; each key is counted once, under its first kind in this order.
WITH keys AS (
    SELECT f.indicator_code, f.township_id, f.period,
           count(*) FILTER (WHERE f.is_current) AS current_rows,
           count(*) FILTER (WHERE f.is_current AND b.status IS DISTINCT FROM 'committed') AS current_not_committed,
           count(*) FILTER (WHERE b.status = 'committed') AS committed_rows
    FROM fact f
    LEFT JOIN batch b ON b.id = f.batch_id
    GROUP BY f.indicator_code, f.township_id, f.period
)
SELECT count(*) FILTER (WHERE current_rows > 1) AS duplicate_keys,
       count(*) FILTER (WHERE current_rows <= 1 AND current_not_committed > 0) AS not_committed_keys,
       count(*) FILTER (WHERE current_rows = 0 AND committed_rows > 0) AS missing_keys
FROM keys
