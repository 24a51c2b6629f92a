// Objects of an environment by id, with their properties (an event handler's lookup).
UNWIND $ids AS wanted
MATCH (n:Object {environment: $environment, id: wanted})
  USING INDEX n:Object(environment, id)
RETURN properties(n) AS props
