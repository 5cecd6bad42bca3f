-- Audit rules (审核公式) as admins edit them, and the explanations given for soft findings when a batch was saved.
-- No keys or sequences: the statements run unchanged on a DuckDB file and on DuckLake (IF NOT EXISTS: a store
-- copied from an older file may run it again).
CREATE TABLE IF NOT EXISTS audit_rule (
    seq         BIGINT NOT NULL,              -- orders the edits (the latest per code is in force)
    code        VARCHAR NOT NULL,             -- a shipped default's code (data/audit_rules.csv) or an admin's own
    name        VARCHAR NOT NULL,
    tier        VARCHAR NOT NULL,             -- 'hard' (强制性) | 'soft' (核实性)
    applies_to  VARCHAR NOT NULL,             -- '' or what x stands for: 'kind:stock,flow', 'unit:人,户', names
    expression  VARCHAR NOT NULL,             -- a formula, or a built-in check ('@合计行' …)
    enabled     BOOLEAN NOT NULL,
    note        VARCHAR NOT NULL,
    deleted     BOOLEAN NOT NULL,             -- an added rule removed (a shipped one is disabled, never deleted)
    changed_by  VARCHAR,
    changed_at  TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS batch_explanation (
    batch_id     INTEGER NOT NULL,
    rule_code    VARCHAR NOT NULL,
    rule_name    VARCHAR NOT NULL,
    location     VARCHAR NOT NULL,            -- file › sheet › cell
    message      VARCHAR NOT NULL,            -- the finding as it was shown
    explanation  VARCHAR NOT NULL,            -- what the person verified
    explained_by VARCHAR,
    explained_at TIMESTAMP NOT NULL
);
