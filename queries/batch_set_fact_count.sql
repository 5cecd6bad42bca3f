-- How many values a batch recorded, set once they are inserted (the demo). Parameters: $id, $fact_count.
UPDATE batch SET fact_count = $fact_count WHERE id = $id
