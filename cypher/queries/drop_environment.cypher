// One chunk of everything an environment holds: objects (with their links), its
// tombstones, its status changes, topology journal entries, scans, scan schedules and
// listener figures; the :Environment node goes last (drop_environment_node.cypher).
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
CALL () {
  MATCH (c:TopologyChange) WHERE c.environment = $environment AND c.recorded_at IS NOT NULL
  WITH c LIMIT $limit
  DELETE c
  RETURN count(*) AS topology_changes
}
CALL () {
  MATCH (s:Scan) WHERE s.environment = $environment
  WITH s LIMIT $limit
  DELETE s
  RETURN count(*) AS scans
}
CALL () {
  MATCH (s:ScanSchedule) WHERE s.environment = $environment
  WITH s LIMIT $limit
  DELETE s
  RETURN count(*) AS schedules
}
CALL () {
  MATCH (l:Listener) WHERE l.environment = $environment
  DELETE l
  RETURN count(*) AS listeners
}
RETURN objects + tombstones + link_tombstones + status_changes + topology_changes + scans
       + schedules + listeners AS deleted
