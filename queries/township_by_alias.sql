-- The township a normalised name stands for.
SELECT township_id FROM township_alias WHERE alias = $alias
