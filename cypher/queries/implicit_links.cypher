// The environment's derived (implicit) links, with what deriving compares.
MATCH (s:Object)-[r]->(t:Object)
WHERE s.environment = $environment AND s.id IS NOT NULL
  AND r.link_type IS NOT NULL AND r.implicit = true
RETURN s.id AS source_id, t.id AS target_id, properties(r) AS props
