-- The current values of township $township_id in month $period (base units).
SELECT indicator_code, value FROM fact
WHERE is_current AND township_id = $township_id AND period = $period
