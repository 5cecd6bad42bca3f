-- What was explained when a batch was saved: each soft finding with its rule and the explanation given.
SELECT rule_name, location, message, explanation, explained_by, explained_at
FROM batch_explanation
WHERE batch_id = $batch_id
ORDER BY rule_code, location
