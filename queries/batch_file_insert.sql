-- One file of a batch, kept as uploaded.
INSERT INTO batch_file (batch_id, file_no, file_name, sha256, size, content)
VALUES ($batch_id, $file_no, $file_name, $sha256, $size, $content)
