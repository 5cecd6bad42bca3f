-- Add one catalog indicator.
INSERT INTO indicator (code, name, category, unit, kind, decimals, weight, note, sort_order, good_direction)
VALUES ($code, $name, $category, $unit, $kind, $decimals, $weight, $note, $sort_order, $good_direction)
