-- Parameters: $user_id.
DELETE FROM user_township WHERE user_id = $user_id
