// One chunk of everything an environment holds: objects (with their links), its
// tombstones and its status changes; the :Environment node goes last (drop_environment_node.cypher).
CALL () {
  MATCH (n:Object {environment: $environment}) WHERE n.id IS NOT NULL
  WITH n LIMIT $limit
  DETACH DELETE n
  RETURN count(*) AS objects
}
CALL () {
  MATCH (b:Tombstone {environment: $environment}) WHERE b.id IS NOT NULL
  WITH b LIMIT $limit
  DELETE b
  RETURN count(*) AS tombstones
}
CALL () {
  MATCH (b:LinkTombstone {environment: $environment}) WHERE b.source_id IS NOT NULL
  WITH b LIMIT $limit
  DELETE b
  RETURN count(*) AS link_tombstones
}
CALL () {
  MATCH (c:StatusChange {environment: $environment}) WHERE c.key IS NOT NULL
  WITH c LIMIT $limit
  DELETE c
  RETURN count(*) AS status_changes
}
RETURN objects + tombstones + link_tombstones + status_changes AS deleted
