MATCH (n:Object {environment: $environment, id: $id})
RETURN n.type AS type
