-- Township × month: number of indicators each registered township reported, 0 when none, and how many were
-- expected: the indicators any township reported that month (a form that never covers an indicator does not
-- make every township incomplete). Parameters: $start DATE, $end DATE (months, inclusive).
WITH months AS (
    SELECT unnest(generate_series($start::DATE, $end::DATE, INTERVAL 1 MONTH))::DATE AS period
),
reported AS (
    SELECT f.township_id, f.period, count(DISTINCT f.indicator_code) AS indicators
    FROM fact f JOIN township t ON t.id = f.township_id AND t.level = 'township'
    WHERE f.is_current AND f.period BETWEEN $start::DATE AND $end::DATE
    GROUP BY f.township_id, f.period
),
expected AS (
    SELECT f.period, count(DISTINCT f.indicator_code) AS expected
    FROM fact f JOIN township t ON t.id = f.township_id AND t.level = 'township'
    WHERE f.is_current AND f.period BETWEEN $start::DATE AND $end::DATE
    GROUP BY f.period
)
SELECT t.id AS township_id, t.name AS township, t.code AS township_code, t.sort_order, m.period,
       coalesce(r.indicators, 0) AS indicators, coalesce(e.expected, 0) AS expected
FROM township t
CROSS JOIN months m
LEFT JOIN reported r ON r.township_id = t.id AND r.period = m.period
LEFT JOIN expected e ON e.period = m.period
WHERE t.level = 'township'
ORDER BY t.sort_order, m.period
