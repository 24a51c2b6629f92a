// The links of some types whose ends sensu-config needs (vNIC-vConnector links get a
// check; a vService's vNICs are the interfaces its check expects), with both ends'
// properties.
MATCH (s:Object)
WHERE s.environment = $environment AND s.id IS NOT NULL
MATCH (s)-[r]->(t:Object {environment: $environment})
WHERE r.link_type IN $link_types
RETURN r.link_type AS link_type, r.host AS host, properties(s) AS source,
       properties(t) AS target
ORDER BY link_type, s.id, t.id
