-- Submission $id as submitted (bytes and explanations) with its state now: its latest row's status and review
-- ('rolled_back' for an approval whose batch was rolled back on 导入记录 since), and whether a newer submission of
-- the same township and month replaced it.
WITH latest AS (
    SELECT status, reviewed_by, reviewed_at, reason, batch_id
    FROM township_return WHERE id = $id ORDER BY seq DESC LIMIT 1
)
SELECT s.id, s.township_id, t.name AS township, s.period, s.file_name, s.content, s.sha256, s.explanations,
       s.submitted_by, s.submitted_at,
       CASE WHEN l.status = 'approved' AND b.status = 'rolled_back' THEN 'rolled_back' ELSE l.status END AS state, l.reviewed_by, l.reviewed_at, l.reason, l.batch_id,
       EXISTS (SELECT 1 FROM township_return n WHERE n.township_id = s.township_id AND n.period = s.period
               AND n.id > s.id) AS replaced
FROM township_return s
JOIN township t ON t.id = s.township_id
CROSS JOIN latest l
LEFT JOIN batch b ON b.id = l.batch_id
WHERE s.id = $id AND s.status = 'submitted'
