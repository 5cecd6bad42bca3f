-- One entry of the audit log. Parameters: $user_name, $action, $target, $detail (JSON text).
-- id only orders entries written in the same transaction (logged_at is the transaction's start); two sessions may
-- take the same number, which is harmless (no sequence, so the statement runs on a DuckDB file and on DuckLake).
INSERT INTO audit_log (id, user_name, action, target, detail)
VALUES ((SELECT coalesce(max(id), 0) + 1 FROM audit_log), $user_name, $action, $target, $detail)
