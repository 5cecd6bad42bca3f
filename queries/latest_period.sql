-- The latest month holding any current value.
SELECT max(period) FROM fact WHERE is_current
