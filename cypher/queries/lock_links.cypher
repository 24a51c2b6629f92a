// Take the write locks of the links of one type that touch given objects (either end),
// before reading the ends' statuses a roll-up is computed from.
UNWIND $ids AS id
CALL (id) {
  MATCH (:Object {environment: $environment, id: id})-[r:__REL_TYPE__]->()
  RETURN r
  UNION
  MATCH ()-[r:__REL_TYPE__]->(:Object {environment: $environment, id: id})
  RETURN r
}
SET r._lock = true REMOVE r._lock
RETURN count(r) AS locked
