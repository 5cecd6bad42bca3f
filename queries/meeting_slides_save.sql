-- Save the 会议模式 slide sequence (JSON text, or NULL for the default), kept after every earlier save.
INSERT INTO meeting_slides (seq, slides, changed_by, changed_at)
SELECT coalesce(max(seq), 0) + 1, $slides, $changed_by, current_timestamp
FROM meeting_slides
