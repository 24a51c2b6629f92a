// Upsert one batch of objects and hang each under its parent object in the same
// transaction. row.labels are the type's labels from the catalogue (e.g. ["Instance"] or
// ["Folder", "VnicsFolder"]), computed by the store, never taken from input.
//
// Ordering: a row may carry row.source_time, when its source says the fact was true.
// - A row older than (or as old as) a live tombstone of the object (a delete) is dropped:
//   a late create cannot bring a deleted object back.
// - A row older than the source time the object holds changes nothing ("outdated"), but
//   still counts as seen (last_seen) when the object's provenance is the row's own: a
//   scan's cleanup must not remove what it did see.
// Rows without a source time are applied as they come.
// A type change replaces the type labels (every label but :Object not in row.labels).
//
// Answers: rows that passed (written), their element ids (the store finds link ends by
// them), the ids created, the ids outdated, and orphans (parent not (yet) in the graph),
// for a second pass. USING INDEX pins the identity index for the parent, so that no plan
// made while the database looked empty scans the environment for it.
UNWIND $rows AS row
WITH row
WHERE row.source_time IS NULL OR NOT EXISTS {
  MATCH (b:Tombstone {environment: $environment, id: row.id})
  WHERE b.deleted_at >= row.source_time AND b.expires_at > datetime.transaction()
}
MERGE (n:Object {environment: $environment, id: row.id})
  ON CREATE SET n.first_seen = datetime.transaction()
WITH n, row,
     CASE WHEN row.source_time IS NULL THEN true
          WHEN n.source_time IS NULL THEN true
          ELSE row.source_time >= n.source_time END AS fresh
CALL (n, row, fresh) {
  WITH n, row WHERE fresh AND n.type <> row.props.type
  REMOVE n:$([label IN labels(n) WHERE label <> 'Object' AND NOT label IN row.labels])
}
SET n += CASE WHEN fresh THEN row.props ELSE {} END,
    n.environment = $environment,
    n.last_seen = CASE WHEN fresh THEN datetime.transaction()
                  WHEN n.provenance = $provenance THEN datetime.transaction()
                  ELSE n.last_seen END,
    n.source_time = CASE WHEN fresh AND row.source_time IS NOT NULL THEN row.source_time
                    ELSE n.source_time END,
    n.provenance = CASE WHEN fresh AND $provenance IS NOT NULL THEN $provenance
                   ELSE n.provenance END
SET n:$(CASE WHEN fresh THEN row.labels ELSE [] END)
WITH n, row, fresh
OPTIONAL MATCH (p:Object {environment: $environment,
                          id: CASE WHEN fresh THEN row.parent_id END})
  USING INDEX p:Object(environment, id)
CALL (n, p) {
  WITH n, p WHERE p IS NOT NULL
  OPTIONAL MATCH (old)-[c:CONTAINS]->(n) WHERE old <> p
  DELETE c
  MERGE (p)-[:CONTAINS]->(n)
}
RETURN count(*) AS written,
       collect(CASE WHEN fresh AND p IS NULL AND row.parent_id IS NOT NULL
               THEN row.id END) AS orphans,
       collect([row.id, elementId(n)]) AS element_ids,
       collect(CASE WHEN n.first_seen = datetime.transaction() THEN row.id END) AS created,
       collect(CASE WHEN NOT fresh THEN row.id END) AS outdated
