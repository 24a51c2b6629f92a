// Children of one object in the CONTAINS hierarchy, optionally of one type.
MATCH (:Object {environment: $environment, id: $id})-[:CONTAINS]->(c:Object)
WHERE $type IS NULL OR c.type = $type
RETURN properties(c) AS props
ORDER BY c.id
LIMIT $limit
