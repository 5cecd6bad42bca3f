-- What rolling a batch back would do, by month and indicator, as commit.rollback does it: each key whose shown
-- value comes from this batch (batch_current_keys.sql) shows the newest other committed batch's value again
-- ('restored', rollback_restore.sql), or none when no other committed batch holds it ('removed').
-- Parameters: $batch_id.
WITH shown AS (
    SELECT indicator_code, township_id, period FROM fact WHERE batch_id = $batch_id AND is_current
), held AS (
    SELECT DISTINCT s.indicator_code, s.township_id, s.period
    FROM shown s
    JOIN fact o ON o.indicator_code = s.indicator_code AND o.township_id = s.township_id AND o.period = s.period
    JOIN batch ob ON ob.id = o.batch_id AND ob.status = 'committed'
    WHERE o.batch_id <> $batch_id
)
SELECT s.period, s.indicator_code, i.name AS indicator,
       count(h.period) AS restored, count(*) - count(h.period) AS removed
FROM shown s
JOIN indicator i ON i.code = s.indicator_code
LEFT JOIN held h ON h.indicator_code = s.indicator_code AND h.township_id = s.township_id AND h.period = s.period
GROUP BY s.period, s.indicator_code, i.name, i.sort_order
ORDER BY s.period, i.sort_order
