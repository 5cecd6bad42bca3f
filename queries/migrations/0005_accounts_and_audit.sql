-- Accounts, roles and the audit log (issue 6).
--
-- app_user: a person who may log in. role: 'viewer' (查看), 'statistician' (统计员) or 'admin' (管理员).
-- password_hash: an argon2id hash (civdash/auth.py); never a password. failed_logins counts failures since the
-- last success; locked_until holds a login back after repeated failures.
-- audit_log: who did what and when: logins and failures, uploads, rollbacks, catalog and township edits, user
-- changes, downloads. detail: JSON text with what the action needs to be understood later.

CREATE SEQUENCE app_user_id_seq START 1;
CREATE TABLE app_user (
    id            INTEGER PRIMARY KEY DEFAULT nextval('app_user_id_seq'),
    name          VARCHAR NOT NULL UNIQUE,
    role          VARCHAR NOT NULL CHECK (role IN ('viewer', 'statistician', 'admin')),
    password_hash VARCHAR,                -- NULL for an account that logs in only through OIDC
    disabled      BOOLEAN NOT NULL DEFAULT false,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  TIMESTAMP,
    created_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    changed_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE SEQUENCE audit_log_id_seq START 1;
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY DEFAULT nextval('audit_log_id_seq'),
    logged_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    user_name VARCHAR,                    -- who (NULL: not logged in, e.g. a failed login's unknown name is in detail)
    action    VARCHAR NOT NULL,           -- login, login_failed, logout, upload, rollback, registry, user, download
    target    VARCHAR,                    -- what: a batch id, a file name, an indicator code, a user name …
    detail    VARCHAR                     -- JSON text
);
