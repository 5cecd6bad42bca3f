-- Every value a batch recorded, with the value shown before it (the newest earlier batch still committed) and
-- what became of it: 'current', 'unchanged' (equal to the value before: recorded, the earlier row stays shown),
-- 'superseded' (a later batch changed it; later_batch: the first that did) or 'rolled_back'. Parameters: $batch_id.
SELECT f.indicator_code, i.name AS indicator, i.unit, i.decimals, t.name AS township, f.period,
       (SELECT p.value FROM fact p JOIN batch pb ON pb.id = p.batch_id AND pb.status = 'committed'
        WHERE p.indicator_code = f.indicator_code AND p.township_id = f.township_id AND p.period = f.period
          AND p.batch_id < f.batch_id
        ORDER BY p.batch_id DESC LIMIT 1) AS before_value,
       f.value,
       CASE WHEN b.status = 'rolled_back' THEN 'rolled_back'
            WHEN f.is_current THEN 'current'
            WHEN later.batch_id IS NULL THEN 'unchanged'
            ELSE 'superseded' END AS state,
       later.batch_id AS later_batch
FROM fact f
JOIN batch b ON b.id = f.batch_id
JOIN indicator i ON i.code = f.indicator_code
JOIN township t ON t.id = f.township_id
LEFT JOIN LATERAL (
    SELECT min(l.batch_id) AS batch_id FROM fact l JOIN batch lb ON lb.id = l.batch_id AND lb.status = 'committed'
    WHERE l.indicator_code = f.indicator_code AND l.township_id = f.township_id AND l.period = f.period
      AND l.batch_id > f.batch_id AND abs(l.value - f.value) > 1e-9 * greatest(abs(l.value), abs(f.value), 1)
) later ON true
WHERE f.batch_id = $batch_id
ORDER BY f.period, i.sort_order, t.sort_order
