-- End every session of an account (its password changed or it was disabled), and expired ones. Parameters: $user_id.
DELETE FROM login_session WHERE user_id = $user_id OR expires_at < current_timestamp
