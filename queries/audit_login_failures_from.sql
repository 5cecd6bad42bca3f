-- Failed logins from one address (any name) in the last $minutes minutes: the per-address throttle.
-- Parameters: $address, $minutes.
SELECT count(*) AS failures
FROM audit_log
WHERE action = 'login_failed' AND logged_at >= current_timestamp::TIMESTAMP - to_minutes(CAST($minutes AS INTEGER))
  AND json_extract_string(detail, '$.address') = $address
