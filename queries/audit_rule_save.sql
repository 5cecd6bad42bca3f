-- One edit of an audit rule, kept with every earlier one (the rule's history).
INSERT INTO audit_rule (seq, code, name, tier, applies_to, expression, enabled, note, deleted, changed_by, changed_at)
SELECT coalesce(max(seq), 0) + 1, $code, $name, $tier, $applies_to, $expression, $enabled, $note, $deleted,
       $changed_by, current_timestamp
FROM audit_rule
