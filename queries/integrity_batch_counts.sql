-- Batches whose rows in fact are not as many as they recorded when saved (batch.fact_count; NULL is not checked).
SELECT b.id AS batch_id, b.fact_count AS recorded, coalesce(n.facts, 0) AS found
FROM batch b
LEFT JOIN (SELECT batch_id, count(*) AS facts FROM fact GROUP BY batch_id) n ON n.batch_id = b.id
WHERE b.fact_count IS NOT NULL AND b.fact_count <> coalesce(n.facts, 0)
ORDER BY b.id
