-- Disable or enable an account. Parameters: $id, $disabled.
UPDATE app_user SET disabled = $disabled, changed_at = current_timestamp WHERE id = $id
