// The environment's derived (implicit) links, with what deriving compares: the fields it
// writes and the values of the constraint attributes ($constraints, in that order).
MATCH (s:Object)-[r]->(t:Object)
WHERE s.environment = $environment AND s.id IS NOT NULL
  AND r.link_type IS NOT NULL AND r.implicit = true
RETURN s.id AS source_id, t.id AS target_id, r.link_type AS link_type, r.state AS state,
       r.host AS host, r.switch AS switch, [name IN $constraints | r[name]] AS values
