-- Every current value from $first on, with where it came from: what `audit-rules check` checks again.
SELECT f.indicator_code, f.township_id, f.period, f.value, f.batch_id, f.sheet, f.cell
FROM fact f
WHERE f.is_current AND f.period >= $first
ORDER BY f.period, f.township_id, f.indicator_code
