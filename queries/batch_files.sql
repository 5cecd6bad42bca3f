-- The files of a batch as uploaded (content: the original bytes). Parameters: $batch_id.
SELECT file_no, file_name, size, content FROM batch_file WHERE batch_id = $batch_id ORDER BY file_no
