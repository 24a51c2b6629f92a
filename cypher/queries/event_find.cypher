// Objects of one catalogue label in one environment whose properties equal $equals (an
// event handler's lookup: the vServices of a router, the hosts...). The label comes from
// the catalogue, property names and values are parameters; the label's index on
// (environment) serves it (schema.cypher: the event lookup indexes).
MATCH (n:__LABEL__ {environment: $environment})
WHERE n.id IS NOT NULL AND all(key IN keys($equals) WHERE n[key] = $equals[key])
// first_seen and last_seen come back null: handlers do not use them, and the driver reads
// a datetime slowly (topology/events/lookup.py).
RETURN n {.*, first_seen: null, last_seen: null} AS props
LIMIT $limit
