-- 重点关注: township values of one month far from that township's own recent normal.
-- Score: distance from the median of the previous twelve months, in units of the larger of
-- 1.4826 × MAD, a share of the median (10% for stocks and levels, 50% for noisier flows),
-- 2 × √median (counting noise of small numbers; for flows, counts of events, √value + √median, which is
-- 2 × √median when nothing moved and makes the score the distance between the square roots, the scale on
-- which counts are equally noisy: 3 exits where there are usually none are noise, 9 are news) and 1; a score
-- of 3 or more is listed when the move is material (for flows at least 10%, for stocks 1%, of the
-- district's total that month) and new (the step from last month is at least half the distance from the
-- median), so a change that has persisted for months is not listed again and again.
-- Order: by size, absolute and relative together: the move's share of the district's total times its
-- size against the median (capped at 10, i.e. +1000%, which also stands for a move from a median of 0).
-- Parameters: $period DATE (the month), $limit INTEGER.
WITH per_town AS (
    SELECT indicator_code, township_id,
           median(value) FILTER (WHERE period < $period::DATE) AS median,
           list(value) FILTER (WHERE period < $period::DATE) AS history,
           any_value(value) FILTER (WHERE period = $period::DATE) AS value,
           any_value(value) FILTER (WHERE period = ($period::DATE - INTERVAL 1 MONTH)::DATE) AS prev_value
    FROM fact
    WHERE is_current AND period BETWEEN ($period::DATE - INTERVAL 12 MONTH)::DATE AND $period::DATE
    GROUP BY indicator_code, township_id
),
totals AS (  -- the townships' total: district-level rows are never added to township sums
    SELECT p.indicator_code, sum(p.value) AS total
    FROM per_town p
    JOIN township t ON t.id = p.township_id AND t.level = 'township'
    GROUP BY p.indicator_code
),
scored AS (
    SELECT p.indicator_code, p.township_id, p.value, p.prev_value, p.median,
           abs(p.value - p.median) / greatest(
               1.4826 * list_median(list_transform(p.history, x -> abs(x - p.median))),
               CASE WHEN i.kind = 'flow' THEN 0.5 ELSE 0.1 END * abs(p.median),
               CASE WHEN i.kind = 'flow' THEN sqrt(abs(p.value)) + sqrt(abs(p.median)) ELSE 2 * sqrt(abs(p.median)) END,
               1.0) AS score
    FROM per_town p
    JOIN indicator i ON i.code = p.indicator_code
    WHERE p.value IS NOT NULL AND len(p.history) >= 6
)
SELECT s.indicator_code, i.name AS indicator_name, i.unit, i.kind, i.decimals,
       s.township_id, t.name AS township, s.value, s.prev_value, s.median,
       (s.value - s.prev_value) / nullif(abs(s.prev_value), 0) AS mom,
       s.score,
       least(coalesce(abs(s.value - s.median) / nullif(abs(s.median), 0), 10), 10)
           * coalesce(abs(s.value - s.median) / nullif(abs(d.total), 0), 0) AS size
FROM scored s
JOIN indicator i ON i.code = s.indicator_code
JOIN township t ON t.id = s.township_id AND t.level = 'township'
JOIN totals d ON d.indicator_code = s.indicator_code
WHERE s.score >= 3
  AND abs(s.value - s.median) >= CASE i.kind WHEN 'flow' THEN 0.1 WHEN 'stock' THEN 0.01 ELSE 0 END * abs(d.total)
  AND (s.prev_value IS NULL OR abs(s.value - s.prev_value) >= 0.5 * abs(s.value - s.median))
ORDER BY size DESC, s.score DESC
LIMIT $limit
