-- How many values of a batch are in each state, by month: the states of batch_changes.sql, counted.
-- Parameters: $batch_id.
WITH mine AS (
    SELECT indicator_code, township_id, period, value, is_current FROM fact WHERE batch_id = $batch_id
), later AS (
    SELECT m.indicator_code, m.township_id, m.period
    FROM mine m
    JOIN fact o ON o.indicator_code = m.indicator_code AND o.township_id = m.township_id AND o.period = m.period
    JOIN batch ob ON ob.id = o.batch_id AND ob.status = 'committed'
    WHERE o.batch_id > $batch_id AND abs(o.value - m.value) > 1e-9 * greatest(abs(o.value), abs(m.value), 1)
    GROUP BY m.indicator_code, m.township_id, m.period
)
SELECT m.period,
       CASE WHEN b.status = 'rolled_back' THEN 'rolled_back'
            WHEN m.is_current THEN 'current'
            WHEN l.period IS NULL THEN 'unchanged'
            ELSE 'superseded' END AS state,
       count(*) AS facts
FROM mine m
JOIN batch b ON b.id = $batch_id
LEFT JOIN later l ON l.indicator_code = m.indicator_code AND l.township_id = m.township_id AND l.period = m.period
GROUP BY ALL
ORDER BY m.period, state
