-- The 会议模式 slide sequence in force: the latest save (slides NULL: the default), none when never saved.
SELECT slides, changed_by, changed_at
FROM meeting_slides
ORDER BY seq DESC
LIMIT 1
