-- A login session. Parameters: $token_hash (SHA-256 hex of the cookie's token), $user_id, $expires_at.
INSERT INTO login_session (token_hash, user_id, expires_at) VALUES ($token_hash, $user_id, $expires_at)
