-- Current stored values of some townships (and the district) from $first through $last: what the audit rules of an
-- upload read besides the upload itself (the same month's other indicators, the months before).
SELECT indicator_code, township_id, period, value
FROM fact
WHERE is_current AND township_id IN (SELECT unnest($townships::INTEGER[])) AND period BETWEEN $first AND $last
