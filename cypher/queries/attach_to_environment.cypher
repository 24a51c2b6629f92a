// Hang top-level objects under their environment: (:Environment)-[:CONTAINS]->(child).
MERGE (e:Environment {name: $environment})
WITH e
UNWIND $rows AS row
MATCH (n:Object {environment: $environment, id: row.id})
  USING INDEX n:Object(environment, id)
CALL (n, e) {
  MATCH (old)-[c:CONTAINS]->(n) WHERE old <> e
  DELETE c
}
MERGE (e)-[:CONTAINS]->(n)
RETURN collect(row.id) AS attached
