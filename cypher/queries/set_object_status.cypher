// Status results on objects (Sensu): each row {i, id, status, status_value, status_text,
// checked_at}. The time of the latest result (status_checked_at) is always kept; status,
// its value and text, and status_timestamp (since when) change only when the status
// changed. A result older than the latest one kept changes nothing. Each change is also
// recorded as a (:StatusChange) (the status history, and the feed live subscriptions
// read), at most $history_limit of them per object.
UNWIND $rows AS row
MATCH (n:Object {environment: $environment, id: row.id})
  USING INDEX n:Object(environment, id)
WITH n, row, n.status_checked_at IS NULL OR row.checked_at >= n.status_checked_at AS fresh
WITH n, row, fresh, fresh AND coalesce(n.status_value, -1) <> row.status_value AS changed
SET n.status_checked_at = CASE WHEN fresh THEN row.checked_at ELSE n.status_checked_at END,
    n.status = CASE WHEN changed THEN row.status ELSE n.status END,
    n.status_value = CASE WHEN changed THEN row.status_value ELSE n.status_value END,
    n.status_text = CASE WHEN changed THEN row.status_text ELSE n.status_text END,
    n.status_timestamp = CASE WHEN changed THEN row.checked_at ELSE n.status_timestamp END
WITH n, row, changed
CALL (n, row, changed) {
  WITH n, row WHERE changed
  CREATE (:StatusChange {environment: $environment, key: n.id, kind: 'object',
                         object_id: n.id, object_type: n.type, status: row.status,
                         status_value: row.status_value, status_text: row.status_text,
                         at: row.checked_at, recorded_at: datetime.transaction()})
  WITH n
  MATCH (old:StatusChange {environment: $environment, key: n.id})
  WITH old ORDER BY old.at DESC SKIP $history_limit
  DELETE old
}
RETURN collect(row.i) AS found, collect(CASE WHEN changed THEN row.i END) AS changed
