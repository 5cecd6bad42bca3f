-- How many values the dashboard shows.
SELECT count(*) FROM v_fact
