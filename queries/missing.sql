-- Townships that have not reported (see docs/architecture.md, "Incomplete data"): per indicator and month of
-- $start..$end, the townships expected to report it (they reported it in one of the twelve months up to that month)
-- that have no value for it. A month in which no township has a value for the indicator is not due (a quarter half
-- over, data that start later) and lists nobody.
-- Parameters: $indicators VARCHAR[], $townships INTEGER[] (empty = every township), $start DATE, $end DATE (months).
WITH asked AS (
    SELECT f.indicator_code, f.township_id, f.period
    FROM fact f
    JOIN township t ON t.id = f.township_id AND t.level = 'township'
    WHERE f.is_current
      AND f.indicator_code IN (SELECT unnest($indicators))
      AND (len($townships) = 0 OR list_contains($townships, f.township_id))
      AND f.period BETWEEN ($start::DATE - INTERVAL 11 MONTH)::DATE AND $end::DATE
),
months AS (
    SELECT DISTINCT indicator_code, period FROM asked WHERE period BETWEEN $start::DATE AND $end::DATE
),
expected AS (
    SELECT DISTINCT m.indicator_code, a.township_id, m.period
    FROM months m
    JOIN asked a ON a.indicator_code = m.indicator_code
                AND a.period BETWEEN (m.period - INTERVAL 11 MONTH)::DATE AND m.period
)
SELECT e.indicator_code, e.township_id, t.name AS township, e.period
FROM expected e
JOIN township t ON t.id = e.township_id
WHERE NOT EXISTS (SELECT 1 FROM asked a WHERE a.indicator_code = e.indicator_code AND a.township_id = e.township_id
                                         AND a.period = e.period)
ORDER BY e.indicator_code, e.period, t.sort_order
