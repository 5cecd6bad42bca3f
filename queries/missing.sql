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
due AS (
    SELECT DISTINCT indicator_code, period FROM asked WHERE period BETWEEN $start::DATE AND $end::DATE
),
gapped AS (  -- only the townships that miss a due month are looked at month by month
    SELECT a.indicator_code, a.township_id
    FROM asked a
    GROUP BY a.indicator_code, a.township_id
    HAVING count(*) FILTER (WHERE a.period >= $start::DATE)
           < (SELECT count(*) FROM due d WHERE d.indicator_code = a.indicator_code)
),
expected AS (
    SELECT DISTINCT d.indicator_code, a.township_id, d.period
    FROM due d
    JOIN asked a ON a.indicator_code = d.indicator_code
                AND a.period BETWEEN (d.period - INTERVAL 11 MONTH)::DATE AND d.period
    JOIN gapped g ON g.indicator_code = a.indicator_code AND g.township_id = a.township_id
)
SELECT e.indicator_code, e.township_id, t.name AS township, e.period
FROM expected e
JOIN township t ON t.id = e.township_id
WHERE NOT EXISTS (SELECT 1 FROM asked a WHERE a.indicator_code = e.indicator_code AND a.township_id = e.township_id
                                         AND a.period = e.period)
ORDER BY e.indicator_code, e.period, t.sort_order
