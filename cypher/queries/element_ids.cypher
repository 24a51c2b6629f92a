// The element ids of objects of one environment, by Calipso id (ids not found are left
// out). The store keeps them to find link ends without an index search.
UNWIND $ids AS id
MATCH (n:Object {environment: $environment, id: id})
  USING INDEX n:Object(environment, id)
RETURN id, elementId(n) AS element_id
