-- Merging townships: the township accounts holding $merge now hold $keep.
UPDATE user_township SET township_id = $keep WHERE township_id = $merge
