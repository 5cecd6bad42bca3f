-- Change an indicator's name, category, unit, kind, decimals, weight and note (its code stays).
UPDATE indicator
SET name = $name, category = $category, unit = $unit, kind = $kind, decimals = $decimals, weight = $weight,
    note = $note
WHERE code = $code
