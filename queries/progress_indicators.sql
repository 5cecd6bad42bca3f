-- One month, township × indicator: whether each township reported each indicator that any township reported
-- that month (the expected ones). Parameters: $period DATE.
WITH expected AS (
    SELECT DISTINCT f.indicator_code
    FROM fact f JOIN township t ON t.id = f.township_id AND t.level = 'township'
    WHERE f.is_current AND f.period = $period::DATE
)
SELECT t.name AS township, i.name AS indicator, f.value IS NOT NULL AS reported
FROM township t
CROSS JOIN expected e
JOIN indicator i ON i.code = e.indicator_code
LEFT JOIN fact f ON f.is_current AND f.township_id = t.id AND f.indicator_code = e.indicator_code
                AND f.period = $period::DATE
WHERE t.level = 'township'
ORDER BY t.sort_order, i.sort_order
