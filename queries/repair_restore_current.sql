-- Repair, step 3: each key that a committed batch holds and that has no current row gets the row of the newest
-- committed batch as its current value (as rollback_restore does). Returns nothing; count with integrity_current_keys.
UPDATE fact SET is_current = true
FROM (
    SELECT f.indicator_code, f.township_id, f.period, max(f.batch_id) AS batch_id
    FROM fact f
    JOIN batch b ON b.id = f.batch_id AND b.status = 'committed'
    GROUP BY f.indicator_code, f.township_id, f.period
    HAVING NOT bool_or(f.is_current)
) newest
WHERE fact.indicator_code = newest.indicator_code AND fact.township_id = newest.township_id
  AND fact.period = newest.period AND fact.batch_id = newest.batch_id
