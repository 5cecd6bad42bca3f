-- The display position a new indicator of $category takes: after the category's last indicator, else at the end.
SELECT coalesce(max(sort_order) FILTER (WHERE category = $category), max(sort_order), 0) + 1 FROM indicator
