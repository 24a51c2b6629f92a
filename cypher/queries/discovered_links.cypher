// The environment's discovered (not implicit) links: pass 0 of the implicit-link closure,
// with the values of the constraint attributes ($constraints, in that order).
MATCH (s:Object)-[r]->(t:Object)
WHERE s.environment = $environment AND s.id IS NOT NULL AND r.link_type IS NOT NULL
  AND NOT coalesce(r.implicit, false)
RETURN s.id AS source_id, s.type AS source_type, t.id AS target_id, t.type AS target_type,
       r.link_type AS link_type, r.state AS state, r.host AS host, r.switch AS switch,
       [name IN $constraints | r[name]] AS values
