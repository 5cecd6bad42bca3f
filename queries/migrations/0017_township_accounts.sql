-- Township accounts (乡镇填报员): an account may hold one or more townships and sees only their rows
-- (civdash/store/scope.py); sees_district lets an administrator show such an account the district's own totals too.
-- app_user is rebuilt without its CHECK of the three first roles (roles are checked where they are written,
-- civdash.access.auth) and without keys, so that this runs unchanged on a DuckDB file and on DuckLake (names stay
-- unique: every account change also writes the meta key accounts_changed, so two at once conflict and one runs again).
CREATE TABLE app_user_rebuilt (
    id            INTEGER NOT NULL,
    name          VARCHAR NOT NULL,
    role          VARCHAR NOT NULL,       -- viewer, township, statistician, admin
    password_hash VARCHAR,
    disabled      BOOLEAN NOT NULL DEFAULT false,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  TIMESTAMP,
    created_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    changed_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    sees_district BOOLEAN NOT NULL DEFAULT false
);
INSERT INTO app_user_rebuilt
SELECT id, name, role, password_hash, disabled, failed_logins, locked_until, created_at, changed_at, false FROM app_user;
DROP TABLE app_user;
ALTER TABLE app_user_rebuilt RENAME TO app_user;
-- The townships of a township account (township.id of level 'township').
CREATE TABLE IF NOT EXISTS user_township (
    user_id     INTEGER NOT NULL,
    township_id INTEGER NOT NULL
);
