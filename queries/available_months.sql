-- Months holding current values, newest first.
SELECT DISTINCT period FROM fact WHERE is_current ORDER BY period DESC
