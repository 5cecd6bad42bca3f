-- The recorded changes of the catalog, the township registry and the yearly targets, newest first.
SELECT id, changed_at, user_name, object_kind, object_key, action, before_json, after_json
FROM registry_change
ORDER BY id DESC
