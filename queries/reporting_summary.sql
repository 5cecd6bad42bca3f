-- 总览's reporting line for one month: how many registered townships reported anything, of how many (completeness.sql
-- counted down to two numbers). Parameters: $period DATE (the month).
SELECT (SELECT count(DISTINCT f.township_id)
        FROM fact f JOIN township t ON t.id = f.township_id AND t.level = 'township'
        WHERE f.is_current AND f.period = $period::DATE) AS reported,
       (SELECT count(*) FROM township WHERE level = 'township') AS registered
