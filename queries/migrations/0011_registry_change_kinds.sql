-- The record of registry changes takes changes of audit rules too: the table without the CHECK constraints that
-- listed its object kinds and actions (kinds are checked where they are written, civdash.admin.registry), so that a
-- new kind needs no migration. On a lake the table has no constraints already; rebuilding it there changes nothing.
CREATE TABLE registry_change_rebuilt (
    id          INTEGER NOT NULL,
    changed_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    user_name   VARCHAR,
    object_kind VARCHAR NOT NULL,        -- indicator, township, target, audit_rule
    object_key  VARCHAR NOT NULL,        -- indicator code; township id; 'indicator code/township id/year'; rule code
    action      VARCHAR NOT NULL,        -- add, edit, merge, delete
    before_json VARCHAR,
    after_json  VARCHAR
);
INSERT INTO registry_change_rebuilt
SELECT id, changed_at, user_name, object_kind, object_key, action, before_json, after_json FROM registry_change;
DROP TABLE registry_change;
ALTER TABLE registry_change_rebuilt RENAME TO registry_change;
