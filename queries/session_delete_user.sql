-- End every session of an account (a new password, another role, disabled or enabled), and expired ones.
-- Parameters: $user_id.
DELETE FROM login_session WHERE user_id = $user_id OR expires_at < current_timestamp
