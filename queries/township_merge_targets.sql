-- Merging townships: the yearly targets of township $merge move to $keep.
UPDATE target SET township_id = $keep WHERE township_id = $merge
