// Objects of one catalogue label in one environment whose property __PROPERTY__ equals $value
// and whose other properties equal $equals (an event handler's lookup: a vNIC by MAC, a
// router's ports by device id...). The label and __PROPERTY__ come from the lookup's table of
// indexed finds, never from input; the label's index on (environment, __PROPERTY__) serves it
// (schema.cypher: the event lookup indexes).
MATCH (n:__LABEL__ {environment: $environment, __PROPERTY__: $value})
WHERE n.id IS NOT NULL AND all(key IN keys($equals) WHERE n[key] = $equals[key])
// first_seen and last_seen come back null: handlers do not use them, and the driver reads
// a datetime slowly (topology/events/lookup.py).
RETURN n {.*, first_seen: null, last_seen: null} AS props
LIMIT $limit
