-- Repair, step 2: every row of a key whose current value is not exactly one row of a committed batch stops being
-- current (the same keys integrity_current_keys counts; step 3 makes one row of each current again).
UPDATE fact SET is_current = false
FROM (
    SELECT f.indicator_code, f.township_id, f.period
    FROM fact f
    LEFT JOIN batch b ON b.id = f.batch_id
    GROUP BY f.indicator_code, f.township_id, f.period
    HAVING count(*) FILTER (WHERE f.is_current) > 1
        OR count(*) FILTER (WHERE f.is_current AND b.status IS DISTINCT FROM 'committed') > 0
        OR (count(*) FILTER (WHERE f.is_current) = 0 AND count(*) FILTER (WHERE b.status = 'committed') > 0)
) bad
WHERE fact.indicator_code = bad.indicator_code AND fact.township_id = bad.township_id AND fact.period = bad.period
  AND fact.is_current
