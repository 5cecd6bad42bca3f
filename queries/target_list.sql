-- Every yearly target with the names of its indicator and township (the district row included).
SELECT g.year, g.indicator_code, i.name AS indicator, i.unit, i.decimals, g.township_id, t.name AS township,
       t.level, g.value, g.note
FROM target g JOIN indicator i ON i.code = g.indicator_code JOIN township t ON t.id = g.township_id
ORDER BY g.year DESC, t.sort_order, i.sort_order
