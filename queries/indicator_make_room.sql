-- Move the indicators from display position $position on one place down, to insert one there.
UPDATE indicator SET sort_order = sort_order + 1 WHERE sort_order >= $position
