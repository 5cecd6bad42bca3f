-- Every row of the keys a batch touched stops being current (rollback, step 1). Parameters: $batch_id.
-- The period bounds are implied by the EXISTS; stated, they let DuckDB skip the row groups of other months
-- (facts are appended month by month), which at province scale is most of the table.
UPDATE fact SET is_current = false
WHERE is_current
  AND period BETWEEN (SELECT min(period) FROM fact WHERE batch_id = $batch_id)
                 AND (SELECT max(period) FROM fact WHERE batch_id = $batch_id)
  AND EXISTS (
    SELECT 1 FROM fact t
    WHERE t.batch_id = $batch_id AND t.indicator_code = fact.indicator_code
      AND t.township_id = fact.township_id AND t.period = fact.period)
