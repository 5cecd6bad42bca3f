-- The demo's 街道 get their share of this year's 适老化改造 plan, by last year's share of the work done.
INSERT INTO target
SELECT 'aging_retrofit_households', township_id, $year,
       round($plan * sum(value) / (SELECT sum(value) FROM fact WHERE indicator_code = 'aging_retrofit_households'
                                    AND year(period) = $year - 1) / 5) * 5,
       '街道适老化改造任务'
FROM fact
WHERE indicator_code = 'aging_retrofit_households' AND year(period) = $year - 1
  AND list_contains($ids, township_id)
GROUP BY township_id
