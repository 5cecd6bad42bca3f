-- Submissions waiting for review: the newest submission of its township and month whose latest row is 'submitted';
-- oldest first (the order they arrived in).
WITH latest AS (
    SELECT r.*, row_number() OVER (PARTITION BY r.id ORDER BY r.seq DESC) AS n,
           max(r.id) OVER (PARTITION BY r.township_id, r.period) AS newest
    FROM township_return r
)
SELECT l.id, l.township_id, t.name AS township, l.period, l.file_name, l.submitted_by, l.submitted_at
FROM latest l JOIN township t ON t.id = l.township_id
WHERE l.n = 1 AND l.status = 'submitted' AND l.id = l.newest
ORDER BY l.submitted_at, l.id
