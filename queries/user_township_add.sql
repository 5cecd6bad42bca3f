-- Parameters: $user_id, $township_id.
INSERT INTO user_township (user_id, township_id) VALUES ($user_id, $township_id)
