-- Aggregated values per indicator and period, by kind (see docs/architecture.md):
--   across townships: stock and flow are summed, level is averaged (weighted where the catalog names
--   a weight indicator and the weights add up to more than zero); over time: flow is summed, stock and level take the last month with data.
--   With $ytd, flows are year-to-date (restarting each January) at the end of each period.
-- Parameters: $indicators VARCHAR[], $townships INTEGER[] (empty = every township), $without INTEGER[] (townships
--   left out, e.g. of a like-for-like comparison; see gaps.sql),
--   $start DATE, $end DATE (months, inclusive; $start the first month of its bucket),
--   $grain 'month'|'quarter'|'year'|'range' (range: the months $start..$end as one period, labelled $start),
--   $ytd BOOLEAN, $by_township BOOLEAN (false = one row per period for the whole selection; township, township_code
--   and sort_order are then NULL).
WITH sel AS (
    SELECT f.indicator_code, f.township_id, f.period, f.value, i.kind, i.weight
    FROM fact f
    JOIN indicator i ON i.code = f.indicator_code
    JOIN township t ON t.id = f.township_id AND t.level = 'township'
    WHERE f.is_current
      AND f.indicator_code IN (SELECT unnest($indicators))
      AND (len($townships) = 0 OR list_contains($townships, f.township_id))
      AND (len($without) = 0 OR NOT list_contains($without, f.township_id))
      AND f.period BETWEEN (CASE WHEN $ytd THEN date_trunc('year', $start::DATE)
                                 ELSE $start::DATE END)::DATE AND $end::DATE
),
weights AS (
    SELECT f.indicator_code, f.township_id, f.period, f.value
    FROM fact f
    WHERE f.is_current
      AND f.indicator_code IN (SELECT weight FROM indicator
                               WHERE code IN (SELECT unnest($indicators)) AND weight IS NOT NULL)
      AND f.period BETWEEN (CASE WHEN $ytd THEN date_trunc('year', $start::DATE)
                                 ELSE $start::DATE END)::DATE AND $end::DATE
),
spatial AS (
    -- stock and flow: sums (no weights to look up)
    SELECT s.indicator_code,
           any_value(s.kind) AS kind,
           CASE WHEN $by_township THEN s.township_id END AS township_id,
           s.period,
           sum(s.value) AS value,
           count(*) AS n_townships  -- one current fact per (indicator, township, month)
    FROM sel s
    WHERE s.kind <> 'level' AND NOT $by_township
    GROUP BY s.indicator_code, 3, s.period
    UNION ALL
    -- the same by township: each group is one fact (see above), its sum its value, so the grouping is left out
    SELECT s.indicator_code, s.kind, s.township_id, s.period, s.value, 1::BIGINT AS n_townships
    FROM sel s
    WHERE s.kind <> 'level' AND $by_township
    UNION ALL
    -- level: averages, weighted where the catalog names a weight
    SELECT s.indicator_code,
           any_value(s.kind) AS kind,
           CASE WHEN $by_township THEN s.township_id END AS township_id,
           s.period,
           -- where the weights add up to nothing (a 镇 without urban 低保 persons still has the county's urban
           -- standard), the plain average: one township's own value, or the townships' mean
           coalesce(sum(s.value * w.value) / nullif(sum(w.value) FILTER (WHERE s.value IS NOT NULL), 0),
                    avg(s.value)) AS value,
           count(*) AS n_townships
    FROM sel s
    LEFT JOIN weights w
           ON w.indicator_code = s.weight AND w.township_id = s.township_id AND w.period = s.period
    WHERE s.kind = 'level'
    GROUP BY s.indicator_code, 3, s.period
),
cumulated AS (
    -- two branches, so that the running sum (a window over every row) is only computed when $ytd asks for it
    SELECT *, value AS shown,
           CASE WHEN $grain = 'month' THEN period
                WHEN $grain = 'range' THEN CASE WHEN period >= $start::DATE THEN $start::DATE END
                WHEN $grain = 'quarter' THEN date_trunc('quarter', period)::DATE
                ELSE date_trunc('year', period)::DATE END AS bucket
    FROM spatial
    WHERE NOT (kind = 'flow' AND $ytd)
    UNION ALL
    SELECT *, sum(value) OVER (PARTITION BY indicator_code, township_id, year(period) ORDER BY period) AS shown,
           CASE WHEN $grain = 'month' THEN period
                WHEN $grain = 'range' THEN CASE WHEN period >= $start::DATE THEN $start::DATE END
                WHEN $grain = 'quarter' THEN date_trunc('quarter', period)::DATE
                ELSE date_trunc('year', period)::DATE END AS bucket
    FROM spatial
    WHERE kind = 'flow' AND $ytd
),
buckets AS (
    -- a month is its own bucket: each group is one row, the grouping is left out
    SELECT indicator_code, township_id, bucket AS period, shown AS value, period AS first_month,
           period AS last_month, 1::BIGINT AS months, n_townships
    FROM cumulated
    WHERE bucket >= $start::DATE AND $grain = 'month'
    UNION ALL
    SELECT indicator_code,
           township_id,
           bucket AS period,
           CASE WHEN any_value(kind) = 'flow' AND NOT $ytd THEN sum(shown)
                ELSE arg_max(shown, period) END AS value,
           min(period) AS first_month,
           max(period) AS last_month,
           count(*) AS months,
           max(n_townships) AS n_townships
    FROM cumulated
    WHERE bucket >= $start::DATE AND $grain <> 'month'
    GROUP BY indicator_code, township_id, bucket
)
-- in the order asked for (an indicator listed twice ranks where it is listed last), then township display order
SELECT b.*, t.name AS township, t.code AS township_code, t.sort_order
FROM buckets b
LEFT JOIN township t ON t.id = b.township_id
ORDER BY len($indicators) - list_position(list_reverse($indicators), b.indicator_code), t.sort_order, b.township_id,
         b.period
