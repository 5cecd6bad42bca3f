-- Yearly targets (年度目标) of one year, for the district and for townships.
-- Parameters: $year INTEGER.
SELECT g.indicator_code, i.name AS indicator_name, i.unit, i.kind, i.decimals,
       g.township_id, t.name AS township, t.level, g.year, g.value, g.note
FROM target g
JOIN indicator i ON i.code = g.indicator_code
JOIN township t ON t.id = g.township_id
WHERE g.year = $year
ORDER BY t.level = 'township', t.sort_order, i.sort_order
