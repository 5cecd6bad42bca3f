-- Merging township $merge into $keep: the (indicator, month) keys where both have a current value.
SELECT i.name AS indicator, i.unit, i.decimals, k.period, k.value AS keep_value, m.value AS merge_value
FROM fact k
JOIN fact m ON m.indicator_code = k.indicator_code AND m.period = k.period
JOIN indicator i ON i.code = k.indicator_code
WHERE k.township_id = $keep AND m.township_id = $merge AND k.is_current AND m.is_current
ORDER BY k.period, i.sort_order
