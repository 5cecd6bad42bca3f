-- The display position after the last registered township.
SELECT coalesce(max(sort_order), 0) + 1 FROM township
