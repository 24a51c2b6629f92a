// Every object below one object, parents before their children (an event handler's
// lookup: what a rename or a move rewrites the paths of), in one read.
MATCH (p:Object {environment: $environment, id: $id})
  USING INDEX p:Object(environment, id)
MATCH path = (p)-[:CONTAINS*1..]->(n:Object)
// first_seen and last_seen come back null: handlers do not use them, and the driver reads
// a datetime slowly (topology/events/lookup.py).
RETURN n {.*, first_seen: null, last_seen: null} AS props
ORDER BY length(path)
