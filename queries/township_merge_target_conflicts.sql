-- Merging township $merge into $keep: the (indicator, year) pairs where both have a yearly target.
SELECT i.name AS indicator, k.year
FROM target k
JOIN target m ON m.indicator_code = k.indicator_code AND m.year = k.year
JOIN indicator i ON i.code = k.indicator_code
WHERE k.township_id = $keep AND m.township_id = $merge
ORDER BY k.year, i.sort_order
