// The links of some types whose ends sensu-config needs (vNIC-vConnector links get a
// check; a vService's vNICs are the interfaces its check expects), with both ends'
// properties. Implicit links are left out: derived from paths (a router's qr- vNIC
// reaches the tunnel bridge through the vEdge), they attach no device, and a check of
// them would report the device missing from a bridge it was never on.
MATCH (s:Object)
WHERE s.environment = $environment AND s.id IS NOT NULL
MATCH (s)-[r]->(t:Object {environment: $environment})
WHERE r.link_type IN $link_types AND NOT coalesce(r.implicit, false)
RETURN r.link_type AS link_type, r.host AS host, properties(s) AS source,
       properties(t) AS target
ORDER BY link_type, s.id, t.id
