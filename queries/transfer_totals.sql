-- Per indicator, the current values' count and sum of a database's v_fact ($name: '"db".main.v_fact'), compared
-- before and after a move into the lake.
SELECT indicator_code, count(*) AS n, coalesce(sum(value), 0) AS total
FROM query_table($name) GROUP BY indicator_code ORDER BY indicator_code
