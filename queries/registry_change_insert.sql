-- Record one change of the catalog, the township registry or the yearly targets (before/after: JSON text).
INSERT INTO registry_change (user_name, object_kind, object_key, action, before_json, after_json)
VALUES ($user_name, $object_kind, $object_key, $action, $before_json, $after_json)
