-- Change an indicator's name, category, unit, kind, decimals, weight, note and good direction (its code stays).
UPDATE indicator
SET name = $name, category = $category, unit = $unit, kind = $kind, decimals = $decimals, weight = $weight,
    note = $note, good_direction = $good_direction
WHERE code = $code
