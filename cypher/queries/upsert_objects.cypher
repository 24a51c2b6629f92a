// Upsert one batch of objects and hang each under its parent object in the same
// transaction. row.labels are the type's labels from the catalogue (e.g. ["Instance"] or
// ["Folder", "VnicsFolder"]), computed by the store, never taken from input.
// Rows whose parent is not (yet) in the graph come back as orphans, for a second pass;
// every row's element id comes back too (the store finds link ends by it).
// USING INDEX pins the identity index for the parent: planned on an empty database next
// to an index on environment alone, the parent search once scanned the environment.
UNWIND $rows AS row
MERGE (n:Object {environment: $environment, id: row.id})
  ON CREATE SET n.first_seen = datetime.transaction()
SET n += row.props,
    n.environment = $environment,
    n.last_seen = datetime.transaction()
SET n:$(row.labels)
WITH n, row
OPTIONAL MATCH (p:Object {environment: $environment, id: row.parent_id})
  USING INDEX p:Object(environment, id)
CALL (n, p) {
  WITH n, p WHERE p IS NOT NULL
  OPTIONAL MATCH (old)-[c:CONTAINS]->(n) WHERE old <> p
  DELETE c
  MERGE (p)-[:CONTAINS]->(n)
}
RETURN count(*) AS written,
       collect(CASE WHEN p IS NULL AND row.parent_id IS NOT NULL THEN row.id END) AS orphans,
       collect([row.id, elementId(n)]) AS element_ids
