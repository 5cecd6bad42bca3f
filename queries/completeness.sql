-- Township × month: number of indicators each registered township reported, 0 when none.
-- Parameters: $start DATE, $end DATE (months, inclusive).
WITH months AS (
    SELECT unnest(generate_series($start::DATE, $end::DATE, INTERVAL 1 MONTH))::DATE AS period
),
reported AS (
    SELECT township_id, period, count(DISTINCT indicator_code) AS indicators
    FROM fact
    WHERE is_current AND period BETWEEN $start::DATE AND $end::DATE
    GROUP BY township_id, period
)
SELECT t.id AS township_id, t.name AS township, t.code AS township_code, t.sort_order, m.period,
       coalesce(r.indicators, 0) AS indicators
FROM township t
CROSS JOIN months m
LEFT JOIN reported r ON r.township_id = t.id AND r.period = m.period
WHERE t.level = 'township'
ORDER BY t.sort_order, m.period
