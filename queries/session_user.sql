-- The account of a live session (not expired, account not disabled). Parameters: $token_hash, $now.
SELECT u.id, u.name, u.role
FROM login_session s JOIN app_user u ON u.id = s.user_id
WHERE s.token_hash = $token_hash AND s.expires_at > $now AND NOT u.disabled
