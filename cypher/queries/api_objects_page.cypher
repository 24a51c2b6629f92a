// One page of an environment's objects, ordered by id (keyset cursor: $after), plus the
// total matching the filters. Every filter is a parameter; null means "any".
CALL () {
  MATCH (n:Object {environment: $environment})
  WHERE n.id IS NOT NULL
    AND ($type IS NULL OR n.type = $type)
    AND ($name_contains IS NULL OR toLower(n.name) CONTAINS toLower($name_contains))
    AND ($status IS NULL OR n.status = $status)
    AND ($id_path_prefix IS NULL OR n.id_path STARTS WITH $id_path_prefix)
  RETURN count(n) AS total
}
CALL () {
  MATCH (n:Object {environment: $environment})
  WHERE n.id IS NOT NULL
    AND ($type IS NULL OR n.type = $type)
    AND ($name_contains IS NULL OR toLower(n.name) CONTAINS toLower($name_contains))
    AND ($status IS NULL OR n.status = $status)
    AND ($id_path_prefix IS NULL OR n.id_path STARTS WITH $id_path_prefix)
    AND ($after IS NULL OR n.id > $after)
  WITH n ORDER BY n.id LIMIT $limit
  RETURN collect(properties(n)) AS items
}
RETURN total, items
