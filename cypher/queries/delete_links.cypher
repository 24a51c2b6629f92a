// Delete the links between given ordered pairs of objects (whatever their link type).
// With a source time (a row's own, else $source_time), a link written after it stays,
// and each pair deleted (or not in the graph: its delete may arrive before its create)
// leaves a tombstone that turns away older writes of that link until it expires ($ttl
// seconds).
UNWIND $rows AS row
WITH row, coalesce(row.source_time, $source_time) AS time
OPTIONAL MATCH (s:Object {environment: $environment, id: row.source_id})
      -[r]->(t:Object {environment: $environment, id: row.target_id})
WHERE r.link_type IS NOT NULL
WITH row, r, time,
     time IS NULL OR r IS NULL OR r.source_time IS NULL
       OR r.source_time <= time AS applies
CALL (row, applies, time) {
  WITH row WHERE applies AND time IS NOT NULL
  MERGE (b:LinkTombstone {environment: $environment, source_id: row.source_id,
                          target_id: row.target_id})
  SET b.deleted_at = CASE WHEN b.deleted_at > time THEN b.deleted_at ELSE time END,
      b.expires_at = datetime.transaction() + duration({seconds: $ttl})
}
WITH row, r, applies, CASE WHEN applies THEN r END AS doomed, r.link_type AS link_type
DELETE doomed
RETURN collect(CASE WHEN doomed IS NOT NULL
               THEN [row.source_id, row.target_id, link_type] END) AS deleted,
       collect(CASE WHEN r IS NOT NULL AND NOT applies
               THEN [row.source_id, row.target_id] END) AS outdated
