// Take the write locks of objects before reading what a roll-up is computed from, so
// that concurrent results for one object queue instead of overwriting each other (a
// property set and removed takes the lock and leaves nothing behind).
UNWIND $ids AS id
MATCH (n:Object {environment: $environment, id: id})
  USING INDEX n:Object(environment, id)
SET n._lock = true REMOVE n._lock
RETURN count(n) AS locked
