-- Logins that outlast a page reload: the browser keeps a random token in a cookie; the database keeps only its
-- SHA-256 (civdash/auth.py start_session). A session ends at logout, at expires_at, when the account is disabled
-- or when its password changes.
CREATE TABLE login_session (
    token_hash VARCHAR PRIMARY KEY,
    user_id    INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    expires_at TIMESTAMP NOT NULL
);
