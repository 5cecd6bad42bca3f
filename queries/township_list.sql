-- Registered townships (and the district row) in display order.
SELECT id, name, code, type, level, sort_order
FROM township
ORDER BY level = 'township', sort_order, id
