// The parent object of one object (none under the Environment root).
MATCH (p:Object)-[:CONTAINS]->(:Object {environment: $environment, id: $id})
RETURN properties(p) AS props
LIMIT 1
