-- Add one catalog indicator.
INSERT INTO indicator (code, name, category, unit, kind, decimals, weight, note, sort_order)
VALUES ($code, $name, $category, $unit, $kind, $decimals, $weight, $note, $sort_order)
