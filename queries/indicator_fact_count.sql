-- How many values (current or history) are stored for an indicator.
SELECT count(*) FROM fact WHERE indicator_code = $code
