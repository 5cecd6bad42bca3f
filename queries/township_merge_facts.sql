-- Merging townships: the values of township $merge (with their history) move to $keep.
UPDATE fact SET township_id = $keep WHERE township_id = $merge
