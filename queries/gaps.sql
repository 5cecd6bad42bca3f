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
    SELECT i.code AS indicator_code, p.*,
           CASE WHEN $ytd AND i.kind = 'flow' THEN date_trunc('year', p.period_start)::DATE ELSE p.period_start END
               AS first_month
    FROM indicator i
    CROSS JOIN (VALUES ('now', $now_start::DATE, $now_end::DATE), ('prev', $prev_start::DATE, $prev_end::DATE),
                       ('yoy', $yoy_start::DATE, $yoy_end::DATE)) p(name, period_start, period_end)
    WHERE i.code IN (SELECT unnest($indicators))
),
asked AS (
    SELECT f.indicator_code, f.township_id, f.period
    FROM fact f
    JOIN township t ON t.id = f.township_id AND t.level = 'township'
    WHERE f.is_current
      AND f.indicator_code IN (SELECT unnest($indicators))
      AND (len($townships) = 0 OR list_contains($townships, f.township_id))
      AND f.period BETWEEN (SELECT min(first_month) FROM bounds) AND (SELECT max(period_end) FROM bounds)
),
months AS (  -- the months of each period with data for the indicator
    SELECT a.indicator_code, a.period,
           bool_or(b.name = 'now') AS in_now, bool_or(b.name = 'prev') AS in_prev, bool_or(b.name = 'yoy') AS in_yoy
    FROM (SELECT DISTINCT indicator_code, period FROM asked) a
    JOIN bounds b ON b.indicator_code = a.indicator_code AND a.period BETWEEN b.first_month AND b.period_end
    GROUP BY a.indicator_code, a.period
),
grid AS (
    SELECT p.indicator_code, p.township_id, m.period, m.in_now, m.in_prev, m.in_yoy
    FROM (SELECT DISTINCT indicator_code, township_id FROM asked) p
    JOIN months m USING (indicator_code)
),
status AS (
    SELECT g.*, a.period IS NOT NULL AS reported
    FROM grid g
    LEFT JOIN asked a ON a.indicator_code = g.indicator_code AND a.township_id = g.township_id AND a.period = g.period
),
flags AS (
    SELECT indicator_code, township_id,
           coalesce(bool_or(reported) FILTER (WHERE in_now OR in_prev), false)
               AND NOT coalesce(bool_and(reported) FILTER (WHERE in_now OR in_prev), true) AS excluded_mom,
           coalesce(bool_or(reported) FILTER (WHERE in_now OR in_yoy), false)
               AND NOT coalesce(bool_and(reported) FILTER (WHERE in_now OR in_yoy), true) AS excluded_yoy
    FROM status
    GROUP BY indicator_code, township_id
)
SELECT f.indicator_code, f.township_id, t.name AS township, f.excluded_mom, f.excluded_yoy
FROM flags f
JOIN township t ON t.id = f.township_id
WHERE f.excluded_mom OR f.excluded_yoy
ORDER BY f.indicator_code, t.sort_order
