// Which of the given (source_id, target_id) rows, written with a source time (the row's
// own or $source_time), are turned away by a newer delete: a live tombstone of the link,
// or of one of its ends (an event deleted the object after that time: its links went
// with it, and the link may not come back).
UNWIND $rows AS row
WITH row, coalesce(row.source_time, $source_time) AS time
WHERE EXISTS {
  MATCH (b:LinkTombstone {environment: $environment, source_id: row.source_id,
                          target_id: row.target_id})
  WHERE b.deleted_at >= time AND b.expires_at > datetime.transaction()
} OR EXISTS {
  MATCH (b:Tombstone {environment: $environment})
  WHERE b.id IN [row.source_id, row.target_id]
    AND b.deleted_at >= time AND b.expires_at > datetime.transaction()
}
RETURN collect(row.i) AS buried
