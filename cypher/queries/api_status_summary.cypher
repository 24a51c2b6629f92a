// Counts of an environment's objects and links per status and per type, in one query.
// Objects or links that never had a check result count under status null.
CALL () {
  MATCH (n:Object {environment: $environment}) WHERE n.id IS NOT NULL
  WITH n.type AS type, n.status AS status, count(*) AS count
  ORDER BY type, status
  RETURN collect({type: type, status: status, count: count}) AS objects
}
CALL () {
  MATCH (s:Object {environment: $environment})-[r]->(:Object)
  WHERE s.id IS NOT NULL AND r.link_type IS NOT NULL
  WITH r.link_type AS type, r.status AS status, count(*) AS count
  ORDER BY type, status
  RETURN collect({type: type, status: status, count: count}) AS links
}
RETURN objects, links
