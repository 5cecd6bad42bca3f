-- Township returns (乡镇填报): what a township submitted for a month, and what the district did with it.
-- One row per event, never updated: a submission (status 'submitted', with the workbook's bytes, its explanations of
-- soft findings, who and when), then at most one review of it ('returned' with the reason, or 'approved' with the
-- batch its figures were stored in), which repeats the submission's id, township and month. A submission's state is
-- its latest row (by seq); a township-month's is that of its newest submission (a newer one replaces one still
-- 'submitted'). No keys, sequences or defaults: runs unchanged on a DuckDB file and on DuckLake (ids and seq are given
-- by the statements, as batch ids are).
CREATE TABLE IF NOT EXISTS township_return (
    seq          BIGINT NOT NULL,             -- orders every row
    id           BIGINT NOT NULL,             -- the submission
    township_id  INTEGER NOT NULL,
    period       DATE NOT NULL,               -- the month reported (first day)
    status       VARCHAR NOT NULL,            -- 'submitted' | 'returned' | 'approved'
    file_name    VARCHAR,                     -- the submitted workbook (the form's, or the township's own sheet)
    content      BLOB,                        -- its bytes (submission rows only)
    sha256       VARCHAR,
    explanations VARCHAR,                     -- JSON: rule code or cell → the township's explanation
    submitted_by VARCHAR,
    submitted_at TIMESTAMP,
    reviewed_by  VARCHAR,
    reviewed_at  TIMESTAMP,
    reason       VARCHAR,                     -- why it was returned
    batch_id     INTEGER                      -- the batch an approval stored
);

-- Every change of a return updates this row first, so two sessions changing returns at once meet on it (DuckDB:
-- write-write conflict; DuckLake: conflict at commit) and the later runs again (db.retried_on_conflict).
INSERT INTO meta (key, value) SELECT 'filing_version', '0' WHERE NOT EXISTS (SELECT 1 FROM meta WHERE key = 'filing_version');
