// Environments with their non-secret metadata and object counts per type.
// $names: the environments the caller may view (null = all).
MATCH (e:Environment)
WHERE $names IS NULL OR e.name IN $names
CALL (e) {
  MATCH (n:Object {environment: e.name}) WHERE n.id IS NOT NULL
  WITH n.type AS type, count(*) AS count
  ORDER BY type
  RETURN collect({type: type, count: count}) AS counts
}
RETURN e.name AS name, properties(e) AS props, counts
ORDER BY name
