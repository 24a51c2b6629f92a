// Links down: links whose state is 'down' (as discovered) or whose status is Error (from
// Sensu), with both ends. The table view gives each link's type, state and status.
MATCH path = (s:Object {environment: 'demo'})-[r]->(t:Object)
WHERE r.link_type IS NOT NULL AND (r.state = 'down' OR r.status = 'Error')
RETURN path, r.link_type AS link_type, s.name AS source, t.name AS target,
       r.state AS state, r.status AS status, r.status_text AS status_text
ORDER BY link_type, source, target;
