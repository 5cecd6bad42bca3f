-- The changes of the catalog, registry and targets, newest first.
SELECT changed_at, user_name, object, object_key, action, detail FROM registry_change ORDER BY id DESC
