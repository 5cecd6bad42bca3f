-- What is stored for a township: current values, all values (with history) and yearly targets.
SELECT (SELECT count(*) FILTER (WHERE is_current) FROM fact WHERE township_id = $township_id) AS current_facts,
       (SELECT count(*) FROM fact WHERE township_id = $township_id) AS facts,
       (SELECT count(*) FROM target WHERE township_id = $township_id) AS targets
