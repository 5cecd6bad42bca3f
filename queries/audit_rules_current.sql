-- The latest edit of each audit rule an admin changed or added (the shipped defaults are data/audit_rules.csv).
SELECT code, name, tier, applies_to, expression, enabled, note, deleted, changed_by, changed_at
FROM audit_rule
QUALIFY row_number() OVER (PARTITION BY code ORDER BY changed_at DESC, seq DESC) = 1
ORDER BY changed_at, code
