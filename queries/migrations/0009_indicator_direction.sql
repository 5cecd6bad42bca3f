-- Whether a rise of an indicator is good ('up'), a fall is ('down'), or neither (NULL: most of them; more 低保 is
-- neither): 总览's cards colour a change green or red only where the catalog says so, every other change neutrally.
-- A new database takes the column from data/indicators.csv; an existing one gets the shipped defaults here.
ALTER TABLE indicator ADD COLUMN IF NOT EXISTS good_direction VARCHAR;
UPDATE indicator SET good_direction = 'up'
WHERE code IN ('app_registered_users', 'aging_retrofit_households', 'elderly_beds');
UPDATE indicator SET good_direction = 'down' WHERE code = 'petitions_received';
