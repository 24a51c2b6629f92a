// Hang objects under their parent object: (parent)-[:CONTAINS]->(child), one parent each.
UNWIND $rows AS row
MATCH (n:Object {environment: $environment, id: row.id})
  USING INDEX n:Object(environment, id)
MATCH (p:Object {environment: $environment, id: row.parent_id})
  USING INDEX p:Object(environment, id)
CALL (n, p) {
  MATCH (old)-[c:CONTAINS]->(n) WHERE old <> p
  DELETE c
}
MERGE (p)-[:CONTAINS]->(n)
RETURN collect(row.id) AS attached
