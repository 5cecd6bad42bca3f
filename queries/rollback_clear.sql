-- Every row of the keys a batch touched stops being current (rollback, step 1). Parameters: $batch_id.
UPDATE fact SET is_current = false
WHERE is_current AND EXISTS (
    SELECT 1 FROM fact t
    WHERE t.batch_id = $batch_id AND t.indicator_code = fact.indicator_code
      AND t.township_id = fact.township_id AND t.period = fact.period)
