-- Register a township (or the district row); returns its id.
INSERT INTO township (name, code, type, level, sort_order)
VALUES ($name, $code, $type, $level, $sort_order)
RETURNING id
