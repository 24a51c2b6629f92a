// Take the write locks of objects before reading what a roll-up is computed from, so
// that concurrent results for one object queue instead of overwriting each other.
UNWIND $ids AS id
MATCH (n:Object {environment: $environment, id: id})
  USING INDEX n:Object(environment, id)
SET n.status_locked_at = datetime.transaction()
RETURN count(n) AS locked
