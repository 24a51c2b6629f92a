// The links of an environment whose status is not OK: the worst first and, among equals,
// the one failing the longest first (the oldest status_timestamp). Links carry no index
// on their status: this reads the environment's links, from its objects' identity index.
MATCH (s:Object {environment: $environment})-[r]->(t:Object)
WHERE s.id IS NOT NULL AND r.link_type IS NOT NULL AND r.status_value > 0
RETURN r {.*, source_id: s.id, target_id: t.id, environment: $environment} AS props
ORDER BY r.status_value DESC, r.status_timestamp, s.id, t.id
LIMIT $limit
