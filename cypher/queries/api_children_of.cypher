// Children of each of some objects of one environment in the CONTAINS hierarchy,
// optionally of one type, at most $limit each, ordered by id (no row for an object
// without any). One query for a page of objects.
UNWIND $ids AS id
MATCH (p:Object {environment: $environment, id: id})
  USING INDEX p:Object(environment, id)
CALL (p) {
  MATCH (p)-[:CONTAINS]->(c:Object)
  WHERE $type IS NULL OR c.type = $type
  RETURN c
  ORDER BY c.id
  LIMIT $limit
}
WITH id, c
ORDER BY c.id
RETURN id, collect(properties(c)) AS children
