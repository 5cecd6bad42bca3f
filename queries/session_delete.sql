-- End one session (logout). Parameters: $token_hash.
DELETE FROM login_session WHERE token_hash = $token_hash
