// Status results on links (Sensu), found by their ordered ends whatever their type;
// each row {i, source_id, target_id, status, status_value, status_text, checked_at}.
// Same rules as set_object_status.cypher; a link's history key is "<source> -> <target>".
UNWIND $rows AS row
MATCH (s:Object {environment: $environment, id: row.source_id})
      -[r]->(t:Object {environment: $environment, id: row.target_id})
WHERE r.link_type IS NOT NULL
WITH s, r, t, row,
     r.status_checked_at IS NULL OR row.checked_at >= r.status_checked_at AS fresh
WITH s, r, t, row, fresh, fresh AND coalesce(r.status_value, -1) <> row.status_value AS changed
SET r.status_checked_at = CASE WHEN fresh THEN row.checked_at ELSE r.status_checked_at END,
    r.status = CASE WHEN changed THEN row.status ELSE r.status END,
    r.status_value = CASE WHEN changed THEN row.status_value ELSE r.status_value END,
    r.status_text = CASE WHEN changed THEN row.status_text ELSE r.status_text END,
    r.status_timestamp = CASE WHEN changed THEN row.checked_at ELSE r.status_timestamp END
WITH s, r, t, row, changed
CALL (s, r, t, row, changed) {
  WITH s, r, t, row WHERE changed
  WITH s, r, t, row, s.id + ' -> ' + t.id AS key
  CREATE (:StatusChange {environment: $environment, key: key, kind: 'link',
                         source_id: s.id, target_id: t.id, link_type: r.link_type,
                         status: row.status, status_value: row.status_value,
                         status_text: row.status_text, at: row.checked_at,
                         recorded_at: datetime.transaction()})
  WITH key
  MATCH (old:StatusChange {environment: $environment, key: key})
  WITH old ORDER BY old.at DESC SKIP $history_limit
  DELETE old
}
RETURN collect(row.i) AS found, collect(CASE WHEN changed THEN row.i END) AS changed
