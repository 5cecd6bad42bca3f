-- The committed batch that already holds a file with this content. Parameters: $sha256 VARCHAR.
SELECT min(b.id) FROM batch_file bf JOIN batch b ON b.id = bf.batch_id
WHERE bf.sha256 = $sha256 AND b.status = 'committed'
