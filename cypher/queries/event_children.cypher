// The objects directly under one object (an event handler's lookup).
MATCH (p:Object {environment: $environment, id: $id})-[:CONTAINS]->(n:Object)
  USING INDEX p:Object(environment, id)
RETURN properties(n) AS props
