-- Current stored values for the (indicator, township) pairs of an upload (registered as upload_keys),
-- months $first through $last: previous months for year-to-date differences, and the month after an upload's last
-- when it was worked out from a year-to-date total (worked out again when the months before it change).
SELECT f.indicator_code, f.township_id, f.period, f.value, coalesce(f.from_ytd, false) AS from_ytd
FROM fact f
JOIN upload_keys k USING (indicator_code, township_id)
WHERE f.is_current AND f.period BETWEEN $first AND $last
