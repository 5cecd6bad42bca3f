-- Current stored values for the (indicator, township) pairs of an upload (registered as upload_keys),
-- months $first through $last: previous months for year-to-date differences and month-on-month checks.
SELECT f.indicator_code, f.township_id, f.period, f.value
FROM fact f
JOIN upload_keys k USING (indicator_code, township_id)
WHERE f.is_current AND f.period BETWEEN $first AND $last
