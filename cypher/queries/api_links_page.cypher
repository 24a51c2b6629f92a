// One page of an environment's links (typed relationships with a link_type), ordered by
// (source id, target id); $after_source/$after_target form the keyset cursor.
CALL () {
  MATCH (s:Object {environment: $environment})-[r]->(t:Object)
  WHERE s.id IS NOT NULL AND r.link_type IS NOT NULL
    AND ($link_type IS NULL OR r.link_type = $link_type)
    AND ($state IS NULL OR r.state = $state)
    AND ($status IS NULL OR r.status = $status)
    AND ($host IS NULL OR r.host = $host)
    AND ($source_id IS NULL OR s.id = $source_id)
    AND ($target_id IS NULL OR t.id = $target_id)
  RETURN count(r) AS total
}
CALL () {
  MATCH (s:Object {environment: $environment})-[r]->(t:Object)
  WHERE s.id IS NOT NULL AND r.link_type IS NOT NULL
    AND ($link_type IS NULL OR r.link_type = $link_type)
    AND ($state IS NULL OR r.state = $state)
    AND ($status IS NULL OR r.status = $status)
    AND ($host IS NULL OR r.host = $host)
    AND ($source_id IS NULL OR s.id = $source_id)
    AND ($target_id IS NULL OR t.id = $target_id)
    AND ($after_source IS NULL OR [s.id, t.id] > [$after_source, $after_target])
  WITH s, r, t ORDER BY s.id, t.id LIMIT $limit
  RETURN collect(r {.*, source_id: s.id, target_id: t.id}) AS items
}
RETURN total, items
