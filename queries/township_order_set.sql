-- A township's place in the registry's display order.
UPDATE township SET sort_order = $sort_order WHERE id = $township_id
