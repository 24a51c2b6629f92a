// Upsert one batch of objects and hang each under its parent object in the same
// transaction. row.labels are the type's labels from the catalogue (e.g. ["Instance"] or
// ["Folder", "VnicsFolder"]), computed by the store, never taken from input.
//
// Ordering: a write may carry the source's time of the fact ($source_time, or a row's
// own row.source_time).
// - A row older than (or as old as) a live tombstone of the object (a delete) is dropped:
//   a late create cannot bring a deleted object back.
// - A row older than the source time the object holds changes nothing ("outdated"), but
//   still counts as seen (last_seen) when the object's provenance is the row's own: a
//   scan's cleanup must not remove what it did see.
// last_seen is the write's time, or its source time when that is later: a scan writes
// with its start as source time, so what it saw is never older than its start, whatever
// the server's clock did meanwhile (cleanup compares last_seen with that start).
// Rows without a source time are applied as they come. An applied row sets its
// properties, its provenance and its source time in one map.
// A type change replaces the type labels (every label but :Object not in row.labels).
//
// An object already under its parent is not attached again: a rescan neither seeks its
// parent nor locks it.
// Answers: rows that passed (written), their element ids (the store finds link ends by
// them), the ids created (only if $report_created: a change set's report tells created
// from updated; a bulk write's does not read first_seen back), the ids outdated, and
// orphans (parent not (yet) in the graph),
// for a second pass. USING INDEX pins the identity index for the parent, so that no plan
// made while the database looked empty scans the environment for it.
UNWIND $rows AS row
WITH row, coalesce(row.source_time, $source_time) AS time
WHERE time IS NULL OR NOT EXISTS {
  MATCH (b:Tombstone {environment: $environment, id: row.id})
  WHERE b.deleted_at >= time AND b.expires_at > datetime.transaction()
}
MERGE (n:Object {environment: $environment, id: row.id})
  ON CREATE SET n.first_seen = datetime.transaction()
WITH n, row, time, row.props AS props,
     CASE WHEN time > datetime.transaction() THEN time
          ELSE datetime.transaction() END AS seen,
     CASE WHEN time IS NULL THEN true
          WHEN n.source_time IS NULL THEN true
          ELSE time >= n.source_time END AS fresh
CALL (n, row, fresh) {
  WITH n, row WHERE fresh AND n.type <> row.props.type
  REMOVE n:$([label IN labels(n) WHERE label <> 'Object' AND NOT label IN row.labels])
}
SET n += CASE WHEN NOT fresh THEN {}
              WHEN time IS NULL AND $provenance IS NULL THEN props
              WHEN time IS NULL THEN props {.*, provenance: $provenance}
              WHEN $provenance IS NULL THEN props {.*, source_time: time}
              ELSE props {.*, provenance: $provenance, source_time: time} END,
    n.environment = $environment,
    n.last_seen = CASE WHEN fresh THEN seen
                  WHEN n.provenance = $provenance THEN seen
                  ELSE n.last_seen END
SET n:$(CASE WHEN fresh THEN row.labels ELSE [] END)
WITH n, row, fresh,
     fresh AND row.parent_id IS NOT NULL
       AND NOT EXISTS { (n)<-[:CONTAINS]-(q:Object) WHERE q.id = row.parent_id } AS move
OPTIONAL MATCH (p:Object {environment: $environment,
                          id: CASE WHEN move THEN row.parent_id END})
  USING INDEX p:Object(environment, id)
CALL (n, p) {
  WITH n, p WHERE p IS NOT NULL
  OPTIONAL MATCH (old)-[c:CONTAINS]->(n) WHERE old <> p
  DELETE c
  MERGE (p)-[:CONTAINS]->(n)
}
RETURN count(*) AS written,
       collect(CASE WHEN move AND p IS NULL THEN row.id END) AS orphans,
       collect([row.id, elementId(n)]) AS element_ids,
       collect(CASE WHEN NOT $report_created THEN null
                    WHEN n.first_seen = datetime.transaction() THEN row.id END) AS created,
       collect(CASE WHEN NOT fresh THEN row.id END) AS outdated
