-- Mark a batch rolled back, noting who did it and when ('李静于2025-07-03 10:15撤销').
UPDATE batch SET status = 'rolled_back',
       note = concat_ws('；', note, $user_name || '于' || strftime(timezone('Asia/Shanghai', current_timestamp), '%Y-%m-%d %H:%M') || '撤销')
WHERE id = $batch_id
