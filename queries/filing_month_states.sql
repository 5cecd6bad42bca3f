-- Every township of the registry in display order, with its newest submission of month $period as it stands now
-- (NULL columns: nothing submitted): its id, state (latest row; 'rolled_back' for an approval whose batch was rolled
-- back since), who submitted when, who reviewed when, the reason of a return, the batch of an approval.
WITH newest AS (
    SELECT township_id, max(id) AS id FROM township_return WHERE period = $period GROUP BY township_id
), latest AS (
    SELECT r.*, row_number() OVER (PARTITION BY r.id ORDER BY r.seq DESC) AS n
    FROM township_return r JOIN newest USING (township_id, id)
)
SELECT t.id AS township_id, t.name AS township, l.id,
       CASE WHEN l.status = 'approved' AND b.status = 'rolled_back' THEN 'rolled_back' ELSE l.status END AS status,
       l.file_name, l.submitted_by, l.submitted_at,
       l.reviewed_by, l.reviewed_at, l.reason, l.batch_id
FROM township t
LEFT JOIN latest l ON l.township_id = t.id AND l.n = 1
LEFT JOIN batch b ON b.id = l.batch_id
WHERE t.level = 'township'
ORDER BY t.sort_order, t.id
