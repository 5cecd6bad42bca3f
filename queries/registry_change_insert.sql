-- Record one change of the catalog, the township registry or the yearly targets (before/after: JSON text).
-- The id is the next number (the registry's transactions also bump the data version, so two can't share one).
INSERT INTO registry_change (id, user_name, object_kind, object_key, action, before_json, after_json)
VALUES ((SELECT coalesce(max(id), 0) + 1 FROM registry_change), $user_name, $object_kind, $object_key, $action,
        $before_json, $after_json)
