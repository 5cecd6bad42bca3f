-- The 会议模式 slide sequence as admins set it: one row per save, kept with every earlier one; the latest is in force.
-- slides: JSON text, a list of {"kind": …, "codes": […]}; NULL: the shipped default sequence (civdash.domain.slides).
-- No keys or sequences: runs unchanged on a DuckDB file and on DuckLake.
CREATE TABLE IF NOT EXISTS meeting_slides (
    seq         BIGINT NOT NULL,
    slides      VARCHAR,
    changed_by  VARCHAR,
    changed_at  TIMESTAMP NOT NULL
);
