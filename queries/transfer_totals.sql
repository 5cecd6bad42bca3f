-- Per indicator, the current values' count and sum of a database's v_fact ($name: '"db".main.v_fact'), compared
-- before and after a move into the lake. Summed as DECIMAL (each value to 6 decimals): a parallel sum of doubles
-- differs in its last digits from one run to the next, an exact sum does not.
SELECT indicator_code, count(*) AS n, coalesce(sum(value::DECIMAL(38, 6)), 0) AS total
FROM query_table($name) GROUP BY indicator_code ORDER BY indicator_code
