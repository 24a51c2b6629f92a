// One object by (environment, id), with every property.
MATCH (n:Object {environment: $environment, id: $id})
RETURN properties(n) AS props
