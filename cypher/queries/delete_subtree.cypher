// Delete an object, every descendant (by CONTAINS and by id_path prefix) and all their
// links, in one transaction. With a source time ($source_time), the delete applies only
// if it is at least as new as the object's last write (a late delete of an object written
// again since leaves it alone), and every deleted object, and the named one even when it
// is not in the graph (its delete may arrive before its create), leaves a tombstone that
// turns away older writes until it expires ($ttl seconds). Without a source time there
// is no tombstone.
OPTIONAL MATCH (root:Object {environment: $environment, id: $id})
  USING INDEX root:Object(environment, id)
WITH root,
     root IS NULL OR $source_time IS NULL OR root.source_time IS NULL
       OR root.source_time <= $source_time AS applies
CALL (root, applies) {
  OPTIONAL MATCH (root)-[:CONTAINS*]->(d:Object) WHERE applies
  RETURN collect(DISTINCT d) AS by_tree
}
CALL (root, applies) {
  OPTIONAL MATCH (d:Object)
  WHERE applies AND d.environment = $environment AND d.id IS NOT NULL
    AND root.id_path IS NOT NULL AND d.id_path STARTS WITH root.id_path + '/'
  RETURN collect(DISTINCT d) AS by_path
}
CALL (applies) {
  WITH applies WHERE applies AND $source_time IS NOT NULL
  MERGE (b:Tombstone {environment: $environment, id: $id})
  SET b.deleted_at = CASE WHEN b.deleted_at > $source_time THEN b.deleted_at
                     ELSE $source_time END,
      b.expires_at = datetime.transaction() + duration({seconds: $ttl})
}
UNWIND CASE WHEN applies AND root IS NOT NULL THEN by_tree + by_path + [root] ELSE [] END
  AS doomed
WITH DISTINCT doomed
CALL (doomed) {
  WITH doomed WHERE $source_time IS NOT NULL
  MERGE (b:Tombstone {environment: $environment, id: doomed.id})
  SET b.deleted_at = CASE WHEN b.deleted_at > $source_time THEN b.deleted_at
                     ELSE $source_time END,
      b.expires_at = datetime.transaction() + duration({seconds: $ttl})
}
WITH doomed, doomed.id AS id
DETACH DELETE doomed
RETURN collect(id) AS deleted
