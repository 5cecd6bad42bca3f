-- Who is left out of a like-for-like change (see docs/architecture.md, "Incomplete data"; who is missing from a
-- figure is missing.sql's). For a period ("now") and the two periods it is compared with ("prev" for 环比, "yoy" for
-- 同比), per indicator, the townships that are
--   excluded_mom: reported the indicator in some month of now or prev but not in every month of both that has data
--                 (any township's): left out of 环比; excluded_yoy: the same for now and yoy.
-- With $ytd, a flow's periods start in January (its 1-N月累计), as in series.sql; stocks and levels keep theirs.
-- A month without any township's value for the indicator is not due (a quarter half over, data that start later).
-- Parameters: $indicators VARCHAR[], $townships INTEGER[] (empty = every township), $ytd BOOLEAN,
--   $now_start, $now_end, $prev_start, $prev_end, $yoy_start, $yoy_end DATE (months, inclusive).
WITH bounds AS (
    SELECT code AS indicator_code,
           CASE WHEN $ytd AND kind = 'flow' THEN date_trunc('year', $now_start::DATE)::DATE ELSE $now_start::DATE END
               AS now_first,
           CASE WHEN $ytd AND kind = 'flow' THEN date_trunc('year', $prev_start::DATE)::DATE ELSE $prev_start::DATE END
               AS prev_first,
           CASE WHEN $ytd AND kind = 'flow' THEN date_trunc('year', $yoy_start::DATE)::DATE ELSE $yoy_start::DATE END
               AS yoy_first
    FROM indicator
    WHERE code IN (SELECT unnest($indicators))
),
asked AS (  -- one row per fact (one per indicator, township and month), placed in the periods it falls in
    SELECT f.indicator_code, f.township_id, f.period,
           f.period BETWEEN b.now_first AND $now_end::DATE AS in_now,
           f.period BETWEEN b.prev_first AND $prev_end::DATE AS in_prev,
           f.period BETWEEN b.yoy_first AND $yoy_end::DATE AS in_yoy
    FROM fact f
    JOIN township t ON t.id = f.township_id AND t.level = 'township'
    JOIN bounds b ON b.indicator_code = f.indicator_code
    WHERE f.is_current
      AND (len($townships) = 0 OR list_contains($townships, f.township_id))
      AND f.period BETWEEN least(CASE WHEN $ytd THEN date_trunc('year', $yoy_start::DATE)::DATE
                                       ELSE $yoy_start::DATE END, $prev_start::DATE)
                       AND greatest($now_end::DATE, $prev_end::DATE)
      AND (f.period BETWEEN b.now_first AND $now_end::DATE OR f.period BETWEEN b.prev_first AND $prev_end::DATE
           OR f.period BETWEEN b.yoy_first AND $yoy_end::DATE)
),
due AS (  -- per indicator, how many months of now and prev, and of now and yoy, have data (any township's)
    SELECT indicator_code,
           count(DISTINCT period) FILTER (WHERE in_now OR in_prev) AS due_mom,
           count(DISTINCT period) FILTER (WHERE in_now OR in_yoy) AS due_yoy
    FROM asked
    GROUP BY indicator_code
),
flags AS (  -- how many of them each township reported
    SELECT indicator_code, township_id,
           count(*) FILTER (WHERE in_now OR in_prev) AS reported_mom,
           count(*) FILTER (WHERE in_now OR in_yoy) AS reported_yoy
    FROM asked
    GROUP BY indicator_code, township_id
)
SELECT f.indicator_code, f.township_id, t.name AS township,
       f.reported_mom > 0 AND f.reported_mom < d.due_mom AS excluded_mom,
       f.reported_yoy > 0 AND f.reported_yoy < d.due_yoy AS excluded_yoy
FROM flags f
JOIN due d USING (indicator_code)
JOIN township t ON t.id = f.township_id
WHERE (f.reported_mom > 0 AND f.reported_mom < d.due_mom) OR (f.reported_yoy > 0 AND f.reported_yoy < d.due_yoy)
ORDER BY f.indicator_code, t.sort_order
