-- The id the next township gets (see batch_next_id: assigned here, in a transaction that bumps the data version).
SELECT coalesce(max(id), 0) + 1 FROM township
