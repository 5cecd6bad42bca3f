-- The indicator catalog in display order.
SELECT code, name, category, unit, kind, decimals, weight, note, good_direction
FROM indicator
ORDER BY sort_order, code
