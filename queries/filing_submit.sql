-- A township's submission of a month: the workbook's bytes, the explanations of its soft findings, who and when.
INSERT INTO township_return (seq, id, township_id, period, status, file_name, content, sha256, explanations,
                             submitted_by, submitted_at)
VALUES ($seq, $id, $township_id, $period, 'submitted', $file_name, $content, $sha256, $explanations,
        $submitted_by, $submitted_at)
