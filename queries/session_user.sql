-- The account of a live session (not expired, account not disabled), with its townships. Parameters: $token_hash, $now.
SELECT u.id, u.name, u.role, coalesce(u.sees_district, false) AS sees_district,
       coalesce((SELECT list(ut.township_id ORDER BY t.sort_order, t.id)
                 FROM user_township ut JOIN township t ON t.id = ut.township_id
                 WHERE ut.user_id = u.id), []) AS townships
FROM login_session s JOIN app_user u ON u.id = s.user_id
WHERE s.token_hash = $token_hash AND s.expires_at > $now AND NOT u.disabled
