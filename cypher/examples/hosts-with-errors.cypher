// Hosts with an Error: hosts whose own status is Error, or that contain an object whose
// status is Error anywhere below them in the inventory tree (instances, vNICs, vEdges,
// pNICs, ... through CONTAINS). Draws each such host with the containment path down to
// every object in Error. The table view lists the erring objects per host.
MATCH (h:Host {environment: 'demo'})
OPTIONAL MATCH path = (h)-[:CONTAINS*1..]->(d:Object)
WHERE d.status = 'Error'
WITH h, collect(path) AS paths, collect(d.type + ' ' + d.name) AS errors
WHERE h.status = 'Error' OR size(paths) > 0
RETURN h AS host, h.status AS host_status, errors, paths
ORDER BY h.name;
