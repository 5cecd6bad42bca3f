-- The earliest month holding any current value.
SELECT min(period) FROM fact WHERE is_current
