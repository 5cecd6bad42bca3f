-- The district's decision on submission $id: 'returned' with $reason, or 'approved' with the $batch_id that stored it.
-- Repeats the submission's township, month, file and submitter (not its bytes).
INSERT INTO township_return (seq, id, township_id, period, status, file_name, sha256, explanations, submitted_by,
                             submitted_at, reviewed_by, reviewed_at, reason, batch_id)
SELECT $seq, id, township_id, period, $status, file_name, sha256, explanations, submitted_by, submitted_at,
       $reviewed_by, $reviewed_at, $reason, $batch_id
FROM township_return
WHERE id = $id AND status = 'submitted'
