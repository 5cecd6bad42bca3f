-- One entry of the audit log. Parameters: $user_name, $action, $target, $detail (JSON text).
INSERT INTO audit_log (user_name, action, target, detail) VALUES ($user_name, $action, $target, $detail)
