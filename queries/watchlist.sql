-- 重点关注: township values of one month far from that township's own recent normal.
-- Score: distance from the median of the previous twelve months, in units of the larger of
-- 1.4826 × MAD, a share of the median (10% for stocks and levels, 50% for noisier flows),
-- 2 × √median (counting noise of small numbers) and 1; a score of 3 or more is listed when the
-- move is material (for flows at least 10%, for stocks 1%, of the district's total that month) and
-- new (the step from last month is at least half the distance from the median), so a change that
-- has persisted for months is not listed again and again.
-- Parameters: $period DATE (the month), $limit INTEGER.
WITH cur AS (
    SELECT indicator_code, township_id, period, value
    FROM fact
    WHERE is_current AND period BETWEEN ($period::DATE - INTERVAL 12 MONTH)::DATE AND $period::DATE
),
stats AS (
    SELECT indicator_code, township_id,
           median(value) AS median,
           median(abs(value - m)) AS mad
    FROM (SELECT *, median(value) OVER (PARTITION BY indicator_code, township_id) AS m
          FROM cur WHERE period < $period::DATE)
    GROUP BY indicator_code, township_id
    HAVING count(*) >= 6
),
totals AS (  -- the townships' total: district-level rows are never added to township sums
    SELECT c.indicator_code, sum(c.value) AS total
    FROM cur c
    JOIN township t ON t.id = c.township_id AND t.level = 'township'
    WHERE c.period = $period::DATE
    GROUP BY c.indicator_code
),
scored AS (
    SELECT c.indicator_code, c.township_id, c.value, p.value AS prev_value, s.median,
           abs(c.value - s.median) / greatest(
               1.4826 * s.mad,
               CASE WHEN i.kind = 'flow' THEN 0.5 ELSE 0.1 END * abs(s.median),
               2 * sqrt(abs(s.median)),
               1.0) AS score
    FROM cur c
    JOIN stats s USING (indicator_code, township_id)
    JOIN indicator i ON i.code = c.indicator_code
    LEFT JOIN cur p ON p.indicator_code = c.indicator_code AND p.township_id = c.township_id
                   AND p.period = (c.period - INTERVAL 1 MONTH)::DATE
    WHERE c.period = $period::DATE
)
SELECT s.indicator_code, i.name AS indicator_name, i.unit, i.kind, i.decimals,
       s.township_id, t.name AS township, s.value, s.prev_value, s.median,
       (s.value - s.prev_value) / nullif(abs(s.prev_value), 0) AS mom,
       s.score
FROM scored s
JOIN indicator i ON i.code = s.indicator_code
JOIN township t ON t.id = s.township_id AND t.level = 'township'
JOIN totals d ON d.indicator_code = s.indicator_code
WHERE s.score >= 3
  AND abs(s.value - s.median) >= CASE i.kind WHEN 'flow' THEN 0.1 WHEN 'stock' THEN 0.01 ELSE 0 END * abs(d.total)
  AND (s.prev_value IS NULL OR abs(s.value - s.prev_value) >= 0.5 * abs(s.value - s.median))
ORDER BY s.score DESC
LIMIT $limit
