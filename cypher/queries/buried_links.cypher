// Which of the given (source_id, target_id) rows, written with a source time (the row's
// own or $source_time), are turned away by a live tombstone of their link (deleted at or
// after that time).
UNWIND $rows AS row
MATCH (b:LinkTombstone {environment: $environment, source_id: row.source_id,
                        target_id: row.target_id})
WHERE b.deleted_at >= coalesce(row.source_time, $source_time)
  AND b.expires_at > datetime.transaction()
RETURN collect(row.i) AS buried
