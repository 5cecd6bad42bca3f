-- Every value a batch recorded, with the value shown before it and what became of it. before_value: the value of
-- the newest earlier batch still committed (none: the batch added the key); state: 'current', 'unchanged'
-- (equal to the value before: recorded, the earlier row stays shown), 'superseded' (a later committed batch changed
-- it; later_batch: the first that did) or 'rolled_back'. The states are counted the same way in
-- batch_change_summary.sql. Parameters: $batch_id; $period (a month, or NULL for all); $limit (NULL: every row).
WITH mine AS (
    SELECT indicator_code, township_id, period, value, is_current FROM fact
    WHERE batch_id = $batch_id AND ($period IS NULL OR period = $period)
), others AS (
    SELECT m.indicator_code, m.township_id, m.period,
           arg_max(o.value, o.batch_id) FILTER (WHERE o.batch_id < $batch_id) AS before_value,
           min(o.batch_id) FILTER (WHERE o.batch_id > $batch_id
                                   AND abs(o.value - m.value) > 1e-9 * greatest(abs(o.value), abs(m.value), 1)) AS later_batch
    FROM mine m
    JOIN fact o ON o.indicator_code = m.indicator_code AND o.township_id = m.township_id AND o.period = m.period
    JOIN batch ob ON ob.id = o.batch_id AND ob.status = 'committed'
    WHERE o.batch_id <> $batch_id
    GROUP BY m.indicator_code, m.township_id, m.period
)
SELECT m.indicator_code, i.name AS indicator, i.unit, i.decimals, t.name AS township, m.period,
       o.before_value, m.value,
       CASE WHEN b.status = 'rolled_back' THEN 'rolled_back'
            WHEN m.is_current THEN 'current'
            WHEN o.later_batch IS NULL THEN 'unchanged'
            ELSE 'superseded' END AS state,
       o.later_batch
FROM mine m
JOIN batch b ON b.id = $batch_id
JOIN indicator i ON i.code = m.indicator_code
JOIN township t ON t.id = m.township_id
LEFT JOIN others o ON o.indicator_code = m.indicator_code AND o.township_id = m.township_id AND o.period = m.period
ORDER BY m.period, i.sort_order, t.sort_order
LIMIT $limit
