// The parent object of each of some objects of one environment (no row for an object
// under the Environment root, or one that is gone). One query for a page of objects.
UNWIND $ids AS id
MATCH (p:Object)-[:CONTAINS]->(n:Object {environment: $environment, id: id})
  USING INDEX n:Object(environment, id)
RETURN id, properties(p) AS props
