// The objects directly under one object (an event handler's lookup).
MATCH (p:Object {environment: $environment, id: $id})-[:CONTAINS]->(n:Object)
  USING INDEX p:Object(environment, id)
// first_seen and last_seen come back null: handlers do not use them, and the driver reads
// a datetime slowly (topology/events/lookup.py).
RETURN n {.*, first_seen: null, last_seen: null} AS props
