-- Register a township (or the district row) under the id from township_next_id.
INSERT INTO township (id, name, code, type, level, sort_order)
VALUES ($id, $name, $code, $type, $level, $sort_order)
