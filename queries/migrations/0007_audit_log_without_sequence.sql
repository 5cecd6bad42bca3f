-- The audit log without its sequence and primary key, so that the statements writing it run unchanged on a DuckDB
-- file and on DuckLake (which has neither sequences nor keys). Entries are ordered by logged_at, then id; the id
-- is now given by audit_insert (the next number).
CREATE TABLE audit_log_rebuilt (
    id        BIGINT NOT NULL,            -- orders entries of one transaction (not unique across sessions)
    logged_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    user_name VARCHAR,                    -- who (NULL: not logged in, e.g. a failed login's unknown name is in detail)
    action    VARCHAR NOT NULL,           -- login, login_failed, logout, upload, rollback, registry, user, download
    target    VARCHAR,                    -- what: a batch id, a file name, an indicator code, a user name …
    detail    VARCHAR                     -- JSON text
);
INSERT INTO audit_log_rebuilt SELECT id, logged_at, user_name, action, target, detail FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_rebuilt RENAME TO audit_log;
DROP SEQUENCE audit_log_id_seq;
