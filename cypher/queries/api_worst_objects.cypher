// The objects of an environment whose status is not OK: the worst first and, among
// equals, the one failing the longest first (the oldest status_timestamp).
MATCH (n:Object {environment: $environment})
WHERE n.id IS NOT NULL AND n.status_value > 0
RETURN properties(n) AS props
ORDER BY n.status_value DESC, n.status_timestamp, n.id
LIMIT $limit
