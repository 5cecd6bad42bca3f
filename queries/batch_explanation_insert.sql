-- The explanations of one batch's soft findings, saved in the batch's own transaction (registered as explained).
INSERT INTO batch_explanation
SELECT $batch_id, rule_code, rule_name, location, message, explanation, $explained_by, current_timestamp
FROM explained
