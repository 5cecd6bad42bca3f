-- The audit log, newest first, filtered. Parameters: $start, $end (TIMESTAMP; NULL: open), $user_name (NULL: all),
-- $actions (VARCHAR[]; empty: all), $limit.
SELECT id, logged_at, user_name, action, target, detail
FROM audit_log
WHERE ($start IS NULL OR logged_at >= $start) AND ($end IS NULL OR logged_at < $end)
  AND ($user_name IS NULL OR user_name = $user_name)
  AND (len($actions) = 0 OR list_contains($actions, action))
ORDER BY logged_at DESC, id DESC
LIMIT $limit
