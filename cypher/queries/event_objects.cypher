// Objects of an environment by id, with their properties (an event handler's lookup).
UNWIND $ids AS wanted
MATCH (n:Object {environment: $environment, id: wanted})
  USING INDEX n:Object(environment, id)
// first_seen and last_seen come back null: handlers do not use them, and the driver reads
// a datetime slowly (topology/events/lookup.py).
RETURN n {.*, first_seen: null, last_seen: null} AS props
