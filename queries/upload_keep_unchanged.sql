-- A value of the batch equal to the stored one is recorded but not made current: the stored row (and its
-- provenance) stays current, while a rollback of either batch still leaves the other's value. Run after
-- upload_insert, only when the upload has such values. Parameters: $batch_id INTEGER.
UPDATE fact SET is_current = false
WHERE batch_id = $batch_id AND is_current AND EXISTS (
    SELECT 1 FROM fact o
    WHERE o.is_current AND o.batch_id <> $batch_id AND o.indicator_code = fact.indicator_code
      AND o.township_id = fact.township_id AND o.period = fact.period)
