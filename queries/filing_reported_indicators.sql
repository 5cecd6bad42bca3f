-- The indicators township $township_id has a current value of in months $first through $last.
SELECT DISTINCT indicator_code FROM fact
WHERE is_current AND township_id = $township_id AND period BETWEEN $first AND $last
