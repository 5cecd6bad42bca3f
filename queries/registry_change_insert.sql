-- Record one change of the catalog, registry or targets.
INSERT INTO registry_change (user_name, object, object_key, action, detail)
VALUES ($user_name, $object, $object_key, $action, $detail)
