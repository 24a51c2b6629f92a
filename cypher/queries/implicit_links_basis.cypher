// What the environment's implicit links were last derived from (a digest of its
// discovered links and the constraints), and how many implicit links it holds now.
OPTIONAL MATCH (e:Environment {name: $environment})
CALL () {
  MATCH (s:Object)-[r]->()
  WHERE s.environment = $environment AND s.id IS NOT NULL
    AND r.link_type IS NOT NULL AND r.implicit = true
  RETURN count(r) AS held
}
RETURN e.implicit_links_basis AS basis, e.implicit_links_count AS count, held
