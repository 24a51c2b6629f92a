// Status results on links (Sensu), found by their ordered ends whatever their type;
// each row {i, source_id, target_id, status, status_value, status_text, checked_at}.
// Same rules as set_object_status.cypher.
UNWIND $rows AS row
MATCH (:Object {environment: $environment, id: row.source_id})
      -[r]->(:Object {environment: $environment, id: row.target_id})
WHERE r.link_type IS NOT NULL
WITH r, row, r.status_checked_at IS NULL OR row.checked_at >= r.status_checked_at AS fresh
WITH r, row, fresh, fresh AND coalesce(r.status_value, -1) <> row.status_value AS changed
SET r.status_checked_at = CASE WHEN fresh THEN row.checked_at ELSE r.status_checked_at END,
    r.status = CASE WHEN changed THEN row.status ELSE r.status END,
    r.status_value = CASE WHEN changed THEN row.status_value ELSE r.status_value END,
    r.status_text = CASE WHEN changed THEN row.status_text ELSE r.status_text END,
    r.status_timestamp = CASE WHEN changed THEN row.checked_at ELSE r.status_timestamp END
RETURN collect(row.i) AS found, collect(CASE WHEN changed THEN row.i END) AS changed
