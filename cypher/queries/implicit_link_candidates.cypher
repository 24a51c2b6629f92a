// One pass of Calipso's implicit-link closure: extend each link L of the frontier by each
// discovered link M that starts where L ends, of another link type, not straight back.
// Constraint attributes (e.g. network) must agree when both links carry them.
UNWIND $frontier AS l
MATCH (b:Object {environment: $environment, id: l.target_id})-[m]->(c:Object)
WHERE m.link_type IS NOT NULL AND NOT coalesce(m.implicit, false)
  AND m.link_type <> l.link_type AND c.id <> l.source_id
  AND all(name IN $constraints WHERE l.props[name] IS NULL OR m[name] IS NULL
                                     OR l.props[name] = m[name])
RETURN l.source_id AS source_id, l.source_type AS source_type, l.host AS l_host,
       l.switch AS l_switch, l.props AS l_props,
       c.id AS target_id, c.type AS target_type, m.host AS m_host, m.switch AS m_switch,
       properties(m) AS m_props
